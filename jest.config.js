// jest 29 + ts-jest in ESM mode (jest 30 and swc need platform packages this registry lacks).
// Plain JS because jest would need ts-node to read a jest.config.ts.

// onnxruntime-node's own telemetry, off as maas runs it (core/inference/runtime.ts). Set here, in the
// real environment jest's workers inherit: a test's process.env is a copy its native code never sees,
// and without this each worker leaves a file in /tmp.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** @type {import('ts-jest').JestConfigWithTsJest['projects'][number]} */
const shared = {
  testEnvironment: '<rootDir>/test/helpers/ort-environment.cjs',
  setupFiles: ['<rootDir>/test/helpers/setup-env.cjs'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // Sources import siblings as './x.js' (NodeNext); jest resolves the .ts file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@middy/core$': '<rootDir>/node_modules/@middy/core/index.js',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
};

/** @type {import('ts-jest').JestConfigWithTsJest} */
export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int.test.ts'],
    },
  ],
};
