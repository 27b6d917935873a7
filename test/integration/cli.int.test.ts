import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { largeModel } from '../../tools/onnx-models.js';
import { maas } from '../helpers/cli.js';
import { ROOT } from '../helpers/processes.js';
import { type LocalEnv, startLocal } from '../helpers/start-local.js';

const execFileAsync = promisify(execFile);
const SILERO = join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx');

// One local stack per file: the handlers read their config once per module registry.
let local: LocalEnv;
// The model files the tests write, removed with the stack: a 20 MB one among them.
let files: string;
beforeAll(async () => {
  local = await startLocal();
  process.env.MAAS_HOME = local.home;
  files = await mkdtemp(join(tmpdir(), 'maas-cli-'));
});
afterAll(async () => {
  await local.stop();
  await rm(files, { recursive: true, force: true });
});

/** Writes a file for the CLI to read; returns its path. */
async function modelFile(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(files, name);
  await writeFile(path, bytes);
  return path;
}

describe('maas models (CLI against the local stack)', () => {
  it('pushes a model and prints its version', async () => {
    const result = await maas(
      'models',
      'push',
      'vad',
      SILERO,
      '--description',
      'Silero VAD v5',
      '--local',
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^pushed vad version 1 \(2\.\d MB, sha256 [0-9a-f]{12}\)\n$/);
  });

  it('shows upload progress on stderr for a multi-part model, keeping stdout for the result', async () => {
    const big = await modelFile('big.onnx', largeModel(20 * 1024 * 1024));
    const result = await maas('models', 'push', 'big', big, '--local', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ created: true, name: 'big', version: 1 });
    // Not a terminal here, so a line per quarter rather than a redrawn bar.
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toBe('uploading big 21.0 MB / 21.0 MB (100%)');
  });

  it('says so when the same bytes are pushed again, and creates nothing', async () => {
    const result = await maas('models', 'push', 'vad', SILERO, '--local', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ created: false, name: 'vad', version: 1 });
  });

  it('lists models as a table and as JSON', async () => {
    const table = await maas('models', 'list', '--local');
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+LATEST\s+STABLE\s+CANARY\s+CREATED$/);
    expect(table.stdout).toMatch(/^vad\s+1\s+-\s+-\s+\d{4}-/m);
    const json = await maas('models', 'list', '--local', '--json');
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ name: 'big', lastVersion: 1 }),
      expect.objectContaining({ name: 'vad', lastVersion: 1 }),
    ]);
  });

  it('describes a version with its signature', async () => {
    const result = await maas('models', 'describe', 'vad', '--version', '1', '--local', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      description: 'Silero VAD v5',
      signature: {
        inputs: [
          { name: 'input' },
          { name: 'state' },
          { name: 'sr', datatype: 'INT64', shape: [] },
        ],
      },
    });
    const text = await maas('models', 'describe', 'vad', '--version', '1', '--local');
    expect(text.stdout).toMatch(/^sr\s+INT64\s+\[\]$/m);
  });

  it('stores the bytes again when the version they belong to lost its object', async () => {
    // Prepare: a version whose object was removed behind maas's back
    const file = await modelFile('restored.onnx', largeModel(64, 77));
    const first = JSON.parse(
      (await maas('models', 'push', 'restored', file, '--local', '--json')).stdout,
    );
    await local.deps.s3.send(
      new DeleteObjectCommand({ Bucket: local.deps.modelBucket, Key: first.objectKey }),
    );
    // Act
    const result = await maas('models', 'push', 'restored', file, '--local');
    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^restored version 1 has these bytes \(sha256 [0-9a-f]{12}\), but the stored copy was missing or damaged: stored them again\n$/,
    );
  });

  // The runbook's repair for an integrity failure: the object no longer holds the bytes its record
  // names (overwritten behind maas's back, size and metadata kept), and the original file is pushed again.
  it('stores the bytes again when the version they belong to has a damaged object', async () => {
    // Prepare
    const original = largeModel(64, 78);
    const file = await modelFile('damaged.onnx', original);
    const first = JSON.parse(
      (await maas('models', 'push', 'damaged', file, '--local', '--json')).stdout,
    );
    const damaged = Buffer.from(original);
    damaged.writeUInt32LE(0xdeadbeef, damaged.length - 8);
    await local.deps.s3.send(
      new PutObjectCommand({
        Bucket: local.deps.modelBucket,
        Key: first.objectKey,
        Body: damaged,
        Metadata: { sha256: first.sha256 },
      }),
    );
    // Act
    const result = await maas('models', 'push', 'damaged', file, '--local');
    // Assess: the same version, whose object holds the original bytes again
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^damaged version 1 has these bytes \(sha256 [0-9a-f]{12}\), but the stored copy was missing or damaged: stored them again\n$/,
    );
    const stored = await local.deps.s3.send(
      new GetObjectCommand({ Bucket: local.deps.modelBucket, Key: first.objectKey }),
    );
    const bytes = Buffer.from(
      await (stored.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(bytes.equals(Buffer.from(original))).toBe(true);
  });

  it('refuses a file that is not ONNX with one line on stderr and exit code 1', async () => {
    const notes = await modelFile('notes.onnx', 'not a model');
    const result = await maas('models', 'push', 'notes', notes, '--local');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^maas: not a loadable ONNX model: .*\n$/);
    expect((await maas('models', 'describe', 'notes', '--local')).stderr).toBe(
      "maas: model 'notes' not found\n",
    );
  });

  it.each([
    [['models', 'list', '--local', '--jsn'], /unknown option --jsn/],
    [['models', 'push', 'only-a-name', '--local'], /Missing required positional argument: FILE/],
    [['models', 'frobnicate'], /Unknown command/],
    [
      ['models', 'push', 'x', '/no/such/file.onnx', '--local'],
      /cannot read \/no\/such\/file\.onnx: ENOENT/,
    ],
    [
      ['models', 'describe', 'vad', '--version', 'latest', '--local'],
      /invalid model version "latest"/,
    ],
  ])('exits non-zero with a reason for %j', async (args, reason) => {
    const result = await maas(...args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(reason);
  });

  it.each([
    [['models', 'describe', 'vad', '--version', '--local'], '--version', '--local'],
    [['models', 'promote', 'vad', '1', '--reason', '--local'], '--reason', '--local'],
    [['keys', 'create', 'k1', '--models', '--json', '--local'], '--models', '--json'],
    [['models', 'list', '--profile', '--local'], '--profile', '--local'],
    [['gc', '--grace-minutes', '--delete', '--local'], '--grace-minutes', '--delete'],
  ])('refuses %j: a flag is not the value of the flag before it', async (args, flag, next) => {
    const result = await maas(...args);
    expect(result).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `maas: ${flag} needs a value, not the flag ${next} (write ${flag}=<value> for a value that starts with --)\n`,
    });
  });

  it.each([
    [['models', 'describe', 'vad', '--local', '--version'], '--version'],
    [['models', 'history', 'vad', '--local', '--limit'], '--limit'],
  ])('refuses %j: a flag that needs a value has none', async (args, flag) => {
    const result = await maas(...args);
    expect(result).toMatchObject({ code: 2, stderr: `maas: ${flag} needs a value\n` });
  });

  it.each([
    [['models', 'bogus'], 'maas: Unknown command bogus (see `maas models --help`)\n'],
    [['bogus'], 'maas: Unknown command bogus (see `maas --help`)\n'],
    [
      ['models'],
      'maas: `maas models` needs a command: push, list, describe, promote, canary, rollback, history or delete (see `maas models --help`)\n',
    ],
    [
      ['keys', '--local'],
      'maas: `maas keys` needs a command: create, list or revoke (see `maas keys --help`)\n',
    ],
  ])('refuses %j in plain text that points to --help', async (args, stderr) => {
    // stderr is not a terminal here, so the parser's colour codes must not reach it
    expect(await maas(...args)).toMatchObject({ code: 2, stdout: '', stderr });
  });

  it('says how to start a local stack when none is running', async () => {
    process.env.MAAS_HOME = join(files, 'empty-home');
    await mkdir(process.env.MAAS_HOME);
    try {
      const result = await maas('models', 'list', '--local');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/no local maas is running from .*: start one with `npm start`/);
    } finally {
      process.env.MAAS_HOME = local.home;
    }
  });

  it('prints help for a subcommand, in plain text when stdout is not a terminal', async () => {
    const result = await maas('models', 'push', '--help');
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toBe(stripVTControlCharacters(text));
    expect(text).toMatch(/USAGE maas models push \[OPTIONS\] <NAME> <FILE>/);
    expect(text).toMatch(/--description=<description>/);
  });
});

describe('maas models promote/canary/rollback/history (CLI)', () => {
  it('changes routing step by step and prints each change on one line', async () => {
    // Prepare: three versions of one model
    for (const seed of [1, 2, 3]) {
      const file = await modelFile(`routed-${seed}.onnx`, largeModel(64, seed));
      expect((await maas('models', 'push', 'routed', file, '--local')).code).toBe(0);
    }
    // Act + Assess
    expect(
      (await maas('models', 'promote', 'routed', '1', '--reason', 'launch', '--local')).stdout,
    ).toBe('routed: promote 1 (no stable -> stable 1), revision 1\n');
    expect(
      (await maas('models', 'canary', 'routed', '2', '--weight', '10', '--local')).stdout,
    ).toBe('routed: canary 2 (stable 1 -> stable 1, canary 2 at 10%), revision 2\n');
    const describe = await maas('models', 'describe', 'routed', '--local');
    expect(describe.stdout).toMatch(/^serving: +stable 1 \(90%\), canary 2 \(10%\)$/m);
    expect(describe.stdout).toMatch(/^2 +canary /m);
    expect((await maas('models', 'canary', 'routed', '--weight', '0', '--local')).stdout).toMatch(
      /clear-canary/,
    );
    expect((await maas('models', 'canary', 'routed', '--clear', '--local')).stdout).toBe(
      'routed: no canary is running; nothing changed\n',
    );
    expect((await maas('models', 'promote', 'routed', '3', '--local')).code).toBe(0);
    expect(
      (await maas('models', 'rollback', 'routed', '--reason', 'too slow', '--local')).stdout,
    ).toBe('routed: rollback (stable 3 -> stable 1), revision 5\n');
    const rollbackAgain = await maas('models', 'rollback', 'routed', '--local');
    expect(rollbackAgain).toMatchObject({
      code: 1,
      stderr: "maas: model 'routed' has no earlier stable version to roll back to\n",
    });
    const history = await maas('models', 'history', 'routed', '--local');
    const lines = history.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REVISION\s+AT\s+BY\s+CHANGE\s+REASON$/);
    expect(lines[1]).toMatch(/^5\s+\S+\s+\S+\s+rollback \(stable 3 -> stable 1\)\s+too slow$/);
    expect(lines).toHaveLength(6);
  });

  it('refuses to end a canary other than the version named, saying which one runs', async () => {
    for (const seed of [21, 22, 23]) {
      const file = await modelFile(`clearing-${seed}.onnx`, largeModel(64, seed));
      expect((await maas('models', 'push', 'clearing', file, '--local')).code).toBe(0);
    }
    await maas('models', 'promote', 'clearing', '1', '--local');
    await maas('models', 'canary', 'clearing', '2', '--weight', '10', '--local');
    for (const args of [
      ['3', '--weight', '0'],
      ['3', '--clear'],
    ]) {
      const result = await maas('models', 'canary', 'clearing', ...args, '--local');
      expect(result).toMatchObject({
        code: 1,
        stderr:
          "maas: version 3 is not the canary of 'clearing' (canary 2 gets 10%); nothing changed\n",
      });
    }
    expect((await maas('models', 'describe', 'clearing', '--local')).stdout).toMatch(
      /^serving: +stable 1 \(90%\), canary 2 \(10%\)$/m,
    );
    expect((await maas('models', 'canary', 'clearing', '2', '--clear', '--local')).stdout).toBe(
      'clearing: clear-canary 2 (stable 1, canary 2 at 10% -> stable 1), revision 3\n',
    );
  });

  it('names the version rollback would go to, skipping retired ones and the current stable', async () => {
    // Prepare: stable 1, 4, 3, then 4 again; 3 retired
    for (const seed of [11, 12, 13, 14]) {
      const file = await modelFile(`target-${seed}.onnx`, largeModel(64, seed));
      expect((await maas('models', 'push', 'target', file, '--local')).code).toBe(0);
    }
    for (const version of ['1', '4', '3', '4'])
      expect((await maas('models', 'promote', 'target', version, '--local')).code).toBe(0);
    expect((await maas('models', 'delete', 'target', '--version', '3', '--local')).code).toBe(0);
    // Act + Assess
    const described = await maas('models', 'describe', 'target', '--local');
    expect(described.stdout).toMatch(/^rollback: +to version 1$/m);
    expect((await maas('models', 'rollback', 'target', '--local')).stdout).toBe(
      'target: rollback (stable 4 -> stable 1), revision 6\n',
    );
    expect((await maas('models', 'describe', 'target', '--local')).stdout).toMatch(
      /^rollback: +nowhere \(no earlier stable version\)$/m,
    );
  });

  it('refuses a stale --revision with a 409 that says what changed', async () => {
    const result = await maas('models', 'promote', 'routed', '2', '--revision', '1', '--local');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /changed since revision 1 \(revision 5: rollback .* at .*\); nothing was changed/,
    );
  });

  it.each([
    [
      ['models', 'canary', 'routed', '2', '--local'],
      /give a version and --weight <1-99>, or --clear/,
    ],
    [
      ['models', 'canary', 'routed', '2', '--weight', 'ten', '--local'],
      /--weight takes a whole number, not 'ten'/,
    ],
    [
      ['models', 'canary', 'routed', '--clear', '--weight', '5', '--local'],
      /--clear ends the canary; it takes no --weight/,
    ],
    [['models', 'delete', 'routed', '--local'], /Missing required argument: --version/],
    [
      ['models', 'canary', 'routed', '2', '--weight', '100', '--local'],
      /^maas: canary weight must be a whole percent from 1 to 99 \(0 ends the canary\), not 100$/,
    ],
    [['models', 'promote', 'routed', 'abc', '--local'], /^maas: invalid model version "abc"/],
    [['models', 'delete', 'routed', '--version', '0', '--local'], /invalid model version "0"/],
    [['models', 'describe', 'routed', '--version', 'latest', '--local'], /version "latest"/],
    [['models', 'push', 'Vad', 'f.onnx', '--local'], /^maas: invalid model name "Vad": up to 63/],
    [['models', 'rollback', 'Routed', '--local'], /invalid model name "Routed"/],
    [
      ['models', 'history', 'routed', '--limit', '0', '--local'],
      /^maas: --limit must be at least 1, not 0$/,
    ],
  ])('refuses %j as a usage error', async (args, reason) => {
    const result = await maas(...args);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd()).toMatch(reason);
  });

  it('refuses an over-long --description as a usage error', async () => {
    const description = 'x'.repeat(1001);
    const result = await maas('models', 'push', 'routed', 'f.onnx', '--description', description);
    expect(result).toMatchObject({
      code: 2,
      stderr: 'maas: description is 1001 characters; the limit is 1000\n',
    });
  });

  it('refuses a bad argument before looking for a stack to talk to', async () => {
    process.env.MAAS_HOME = join(files, 'no-stack-home');
    try {
      const result = await maas('models', 'promote', 'routed', 'abc', '--local');
      expect(result).toMatchObject({
        code: 2,
        stderr: 'maas: invalid model version "abc": a positive integer\n',
      });
    } finally {
      process.env.MAAS_HOME = local.home;
    }
  });
});

describe('maas keys (CLI against the local stack)', () => {
  it('creates a scoped key whose token works once, and lists it without secrets', async () => {
    // Prepare + Act
    const created = await maas(
      'keys',
      'create',
      'reader',
      '--models',
      'demo,vad',
      '--local',
      '--json',
    );
    const { token } = JSON.parse(created.stdout) as { token: string };
    const list = await maas('keys', 'list', '--local', '--json');
    // Assess
    expect(created.code).toBe(0);
    const res = await fetch(`${local.url}/v2/health/ready`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(list.stdout).not.toContain(token.split('.')[2]);
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({
        name: 'reader',
        models: ['demo', 'vad'],
        createdBy: expect.any(String),
      }),
    );
  });

  it('prints the secret first and warns it is shown once', async () => {
    const created = await maas('keys', 'create', 'human', '--local');
    const [first, , second] = created.stdout.split('\n');
    expect(first).toMatch(/^maas\.human\.[A-Za-z0-9_-]{43}$/);
    expect(second).toBe("API key 'human' for all models.");
    expect(created.stdout).toMatch(/cannot show it again/);
  });

  it('revokes a key, and refuses to revoke it twice or to reuse its name', async () => {
    await maas('keys', 'create', 'temp', '--local');
    const revoked = await maas('keys', 'revoke', 'temp', '--local');
    expect(revoked).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^revoked API key 'temp'/),
    });
    const again = await maas('keys', 'revoke', 'temp', '--local');
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/already revoked at/) });
    const reuse = await maas('keys', 'create', 'temp', '--local');
    expect(reuse).toMatchObject({ code: 1, stderr: expect.stringMatching(/already exists/) });
    const table = await maas('keys', 'list', '--local');
    expect(table.stdout).toMatch(/^temp\s+\*\s+revoked \d{4}-/m);
  });

  it.each([[''], [','], [' , ']])(
    'refuses --models %j as a usage error, creating no key',
    async (models) => {
      const result = await maas('keys', 'create', 'empty-scope', '--models', models, '--local');
      expect(result).toMatchObject({
        code: 2,
        stderr:
          'maas: --models needs at least one model name (leave it out for a key to all models)\n',
      });
      const keys = JSON.parse((await maas('keys', 'list', '--local', '--json')).stdout);
      expect(keys).not.toContainEqual(expect.objectContaining({ name: 'empty-scope' }));
    },
  );

  it.each([
    [['keys', 'create', 'Bad Name', '--local'], 2, /invalid key name "Bad Name"/],
    [['keys', 'create', 'x', '--models', '../etc', '--local'], 2, /invalid model name "..\/etc"/],
    [['keys', 'revoke', 'Nobody', '--local'], 2, /invalid key name "Nobody"/],
    [['keys', 'revoke', 'nobody', '--local'], 1, /no API key named 'nobody'/],
  ])('refuses %j with exit code %i', async (args, code, reason) => {
    const result = await maas(...args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(reason);
  });
});

describe('npm run maas (the CLI from source)', () => {
  it('runs the CLI with the arguments after --', async () => {
    // npm sets npm_execpath for the scripts it runs (jest here); fall back to npm on the PATH.
    const npm = process.env.npm_execpath;
    const [command, prefix] = npm === undefined ? ['npm', []] : [process.execPath, [npm]];
    const args = [
      ...prefix,
      'run',
      '--silent',
      'maas',
      '--',
      'models',
      'list',
      '--local',
      '--json',
    ];
    const { stdout } = await execFileAsync(command, args, {
      cwd: ROOT,
      env: { ...process.env, MAAS_HOME: local.home },
    });
    expect(JSON.parse(stdout)).toContainEqual(expect.objectContaining({ name: 'vad' }));
  }, 60_000);
});
