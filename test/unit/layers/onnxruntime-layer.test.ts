import { execFile } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  buildLayer,
  layerDir,
  layerPackageDir,
  unzippedBytes,
} from '../../../layers/onnxruntime/build-layer.js';
import { addSubModel } from '../../../tools/onnx-models.js';

const run = promisify(execFile);

/** ELF e_machine values (offset 18, little-endian). */
const EM_X86_64 = 0x3e;
const EM_AARCH64 = 0xb7;

function elfHeader(file: string): { magic: string; class64: boolean; machine: number } {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(20);
    readSync(fd, header, 0, 20, 0);
    return {
      magic: header.subarray(0, 4).toString('latin1'),
      class64: header[4] === 2,
      machine: header.readUInt16LE(18),
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * The symbol versions an ELF64 little-endian binary needs from its libraries (its SHT_GNU_verneed
 * section), e.g. GLIBC_2.17 or GLIBCXX_3.4.22: what the system it runs on must provide.
 */
function neededVersions(file: string): string[] {
  const elf = readFileSync(file);
  const sectionsAt = Number(elf.readBigUInt64LE(0x28));
  const sectionSize = elf.readUInt16LE(0x3a);
  const sections = Array.from({ length: elf.readUInt16LE(0x3c) }, (_, i) => {
    const at = sectionsAt + i * sectionSize;
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 0x18)),
      link: elf.readUInt32LE(at + 0x28),
      info: elf.readUInt32LE(at + 0x2c),
    };
  });
  const verneed = sections.find((section) => section.type === 0x6ffffffe);
  if (verneed === undefined) return [];
  const strings = sections[verneed.link]?.offset ?? 0;
  const name = (at: number) => elf.toString('latin1', at, elf.indexOf(0, at));
  const versions: string[] = [];
  let entry = verneed.offset;
  for (let i = 0; i < verneed.info; i++) {
    let aux = entry + elf.readUInt32LE(entry + 8);
    for (let j = 0; j < elf.readUInt16LE(entry + 2); j++) {
      versions.push(name(strings + elf.readUInt32LE(aux + 8)));
      aux += elf.readUInt32LE(aux + 12);
    }
    entry += elf.readUInt32LE(entry + 12);
  }
  return versions;
}

/** The newest of a library's versions (GLIBC_2.17 and GLIBC_2.34: [2, 34]) among `versions`. */
function newest(versions: readonly string[], library: string): number[] {
  return versions
    .filter((v) => v.startsWith(`${library}_`))
    .map((v) =>
      v
        .slice(library.length + 1)
        .split('.')
        .map(Number),
    )
    .reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b), [0]);
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Each package's native files in a layer, checking that each holds one platform's only. */
function nativeFiles(arch: 'arm64' | 'x86_64'): string[] {
  const onePlatform = (dir: string) => {
    const [platform, ...others] = readdirSync(dir);
    expect(others).toEqual([]);
    const native = join(dir, platform as string);
    return readdirSync(native).map((name) => join(native, name));
  };
  return [
    ...onePlatform(join(layerPackageDir(arch, 'onnxruntime-node'), 'bin', 'napi-v6', 'linux')),
    ...onePlatform(join(layerPackageDir(arch, 'koffi'), 'build', 'koffi')),
  ];
}

// Runs in a child process: jest's module registry would otherwise hand back node_modules' copy, and
// the process's memory map then shows which native library was really loaded.
const LOAD_FROM_LAYER = `
const { createRequire } = require('node:module');
const { readFileSync } = require('node:fs');
const [modules, modelFile] = process.argv.slice(1);
const ort = createRequire(modules + '/')('onnxruntime-node');
(async () => {
  const session = await ort.InferenceSession.create(readFileSync(modelFile));
  const t = (v) => new ort.Tensor('float32', Float32Array.from(v), [v.length]);
  const out = await session.run({ a: t([1, 2, 3]), b: t([10, 20, 30]) });
  const koffi = createRequire(modules + '/')('koffi');
  const mallopt = koffi.load('libc.so.6').func('int mallopt(int, int)');
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\\n')
    .map((line) => line.split(/\\s+/)[5])
    .filter((p) => p && /(onnxruntime|koffi).*(\\.node|\\.so[.0-9]*)$/.test(p));
  console.log(JSON.stringify({
    sum: Array.from(out.sum.data),
    mallopt: mallopt(-3, 64 * 1024), // M_MMAP_THRESHOLD
    modules: Object.keys(require.cache).filter((p) => /onnxruntime|koffi/.test(p)),
    natives: [...new Set(maps)],
  }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe('onnxruntime layer', () => {
  let work: string;
  beforeAll(async () => {
    // Both architectures, as `npm run build:layer` makes them (kept when already current).
    buildLayer('x86_64');
    buildLayer('arm64');
    work = await mkdtemp(join(tmpdir(), 'maas-layer-'));
  }, 120_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('runs a model and sets glibc with the x86_64 layer, loading only from the layer folder', async () => {
    // Prepare
    const modelFile = join(work, 'add-sub.onnx');
    await writeFile(modelFile, addSubModel());
    const modules = join(layerDir('x86_64'), 'nodejs', 'node_modules');
    const env = { ...process.env };
    delete env.NODE_PATH; // nothing but the layer folder to resolve from
    // Act
    const { stdout } = await run(process.execPath, ['-e', LOAD_FROM_LAYER, modules, modelFile], {
      cwd: work,
      env,
    });
    // Assess
    const result = JSON.parse(stdout) as {
      sum: number[];
      mallopt: number;
      modules: string[];
      natives: string[];
    };
    expect(result.sum).toEqual([11, 22, 33]);
    expect(result.mallopt).toBe(1);
    expect(result.modules.length).toBeGreaterThan(0);
    const outside = [...result.modules, ...result.natives].filter(
      (path) => !path.startsWith(`${modules}${sep}`),
    );
    expect(outside).toEqual([]);
    expect(result.natives).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/linux\/x64\/libonnxruntime\.so\.1$/),
        expect.stringMatching(/linux\/x64\/onnxruntime_binding\.node$/),
        expect.stringMatching(/koffi\/build\/koffi\/linux_x64\/koffi\.node$/),
      ]),
    );
  }, 60_000);

  it('ships only 64-bit x86 ELF binaries in the x86_64 layer', () => {
    for (const file of nativeFiles('x86_64')) {
      expect(elfHeader(file)).toEqual({ magic: '\x7fELF', class64: true, machine: EM_X86_64 });
    }
  });

  it('ships only aarch64 ELF binaries in the arm64 layer', () => {
    const files = nativeFiles('arm64');
    expect(files.map((f) => f.slice(f.lastIndexOf(sep) + 1)).sort()).toEqual([
      'koffi.node',
      'libonnxruntime.so.1',
      'onnxruntime_binding.node',
    ]);
    for (const file of files) {
      expect(elfHeader(file)).toEqual({ magic: '\x7fELF', class64: true, machine: EM_AARCH64 });
    }
  });

  it("needs no newer glibc or libstdc++ than Lambda's nodejs22.x (Amazon Linux 2023) has", () => {
    // Amazon Linux 2023: glibc 2.34, GCC 11's libstdc++ (GLIBCXX_3.4.29, CXXABI_1.3.13).
    for (const arch of ['arm64', 'x86_64'] as const) {
      for (const file of nativeFiles(arch)) {
        const versions = neededVersions(file);
        expect(versions.length).toBeGreaterThan(0);
        expect(compareVersions(newest(versions, 'GLIBC'), [2, 34])).toBeLessThanOrEqual(0);
        expect(compareVersions(newest(versions, 'GLIBCXX'), [3, 4, 29])).toBeLessThanOrEqual(0);
        expect(compareVersions(newest(versions, 'CXXABI'), [1, 3, 13])).toBeLessThanOrEqual(0);
      }
    }
  });

  it('keeps each layer well under the 250 MB Lambda limit', () => {
    const limit = 250 * 1024 * 1024;
    expect(unzippedBytes(layerDir('x86_64'))).toBeLessThan(limit / 4);
    expect(unzippedBytes(layerDir('arm64'))).toBeLessThan(limit / 4);
  });
});
