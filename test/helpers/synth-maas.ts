import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildMaas, type Maas } from '../../infra/maas-app.js';
import { ROOT } from './processes.js';

export interface SynthesizedMaas extends Maas {
  readonly app: App;
  readonly assembly: CloudAssembly;
  /** Removes the cloud assembly folder. */
  dispose(): void;
}

/**
 * The app exactly as `cdk synth` builds it: cdk.json's context (settings and feature flags), plus any
 * overrides as `-c` would give them, with cdk-nag attached, synthesized once into a temp folder.
 * Synthesis bundles both functions with esbuild, so a test file should call this once, in beforeAll.
 */
export function synthMaas(overrides: Readonly<Record<string, unknown>> = {}): SynthesizedMaas {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const outdir = mkdtempSync(join(tmpdir(), 'maas-cdk-'));
  const app = new App({ outdir, context: { ...cdkJson.context, ...overrides } });
  const maas = buildMaas(app);
  const assembly = app.synth(); // throws when cdk-nag reports an unacknowledged finding
  return {
    ...maas,
    app,
    assembly,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
