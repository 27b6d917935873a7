import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { UsageError } from '../../../cli/errors.js';
import { resolveRegion } from '../../../cli/target.js';

const VARIABLES = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
];

describe('the CLI finds the AWS region', () => {
  let dir: string;
  let saved: Record<string, string | undefined>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maas-region-'));
    saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
    for (const name of VARIABLES) delete process.env[name];
    // Nothing of the machine's own AWS setup may answer for the test.
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  });
  afterEach(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the profile's region from the shared config file, as `aws configure` writes it", async () => {
    await writeFile(
      join(dir, 'config'),
      '[default]\nregion = us-east-2\n\n[profile ops]\nregion = eu-west-1\n',
    );
    process.env.AWS_PROFILE = 'ops';
    await expect(resolveRegion({})).resolves.toBe('eu-west-1');
  });

  it('prefers --region, then AWS_REGION, then AWS_DEFAULT_REGION over the config file', async () => {
    await writeFile(join(dir, 'config'), '[default]\nregion = us-east-2\n');
    process.env.AWS_DEFAULT_REGION = 'ap-south-1';
    await expect(resolveRegion({})).resolves.toBe('ap-south-1');
    process.env.AWS_REGION = 'sa-east-1';
    await expect(resolveRegion({})).resolves.toBe('sa-east-1');
    await expect(resolveRegion({ region: 'ca-central-1' })).resolves.toBe('ca-central-1');
  });

  it('says how to give one when there is none', async () => {
    await writeFile(join(dir, 'config'), '[default]\noutput = json\n');
    const refused = await resolveRegion({}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toMatch(/^no AWS region: pass --region, set AWS_REGION/);
  });
});
