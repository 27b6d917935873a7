import { userInfo } from 'node:os';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Clients, createClients } from '../core/clients.js';
import { type Config, ENV, loadConfig } from '../core/config.js';
import type { ModelStoreDeps } from '../core/models/push.js';
import { DEFAULT_STACK_PREFIX, STACK_OUTPUTS, stackNames } from '../core/stack-outputs.js';
import { maasHome, readLocalState } from '../local/home.js';
import { localEnv } from '../local/seed.js';
import type { TargetArgs } from './args.js';
import { UsageError } from './errors.js';

/** A maas the CLI talks to: its stores, its API, and who is calling. */
export interface Target {
  /** Settings from the environment (e.g. MAAS_RETIRED_RETENTION_DAYS), endpoints from the target. */
  readonly config: Config;
  readonly deps: ModelStoreDeps & { readonly keysTable: string };
  readonly url: string;
  /** Who the caller is, recorded with every change: the OS user locally, the STS caller ARN on AWS. */
  identity(): Promise<string>;
  close(): void;
}

export async function resolveTarget(args: TargetArgs): Promise<Target> {
  return args.local ? localTarget() : awsTarget(args);
}

async function localTarget(): Promise<Target> {
  const home = maasHome();
  const state = await readLocalState(home);
  if (state === undefined) {
    throw new UsageError(`no local maas is running from ${home}: start one with \`npm start\``);
  }
  const config = loadConfig({
    ...process.env,
    ...localEnv(state, state),
    [ENV.region]: state.region,
  });
  const clients = createClients(config);
  return {
    config,
    deps: { ...clients, ...state },
    url: state.url,
    identity: async () => userInfo().username,
    close: () => destroy(clients),
  };
}

async function awsTarget(args: TargetArgs): Promise<Target> {
  // The SDK's default credential chain reads the profile from the environment, like the AWS CLI.
  if (args.profile !== undefined) process.env.AWS_PROFILE = args.profile;
  const region = await resolveRegion(args);
  const prefix = args.stack ?? DEFAULT_STACK_PREFIX;
  const outputs = await readStackOutputs(region, Object.values(stackNames(prefix)));
  const output = (key: string): string => {
    const value = outputs.get(key);
    if (value === undefined) {
      throw new UsageError(
        `stacks ${prefix}-* have no output ${key}: deploy them with \`npx cdk deploy --all\``,
      );
    }
    return value;
  };
  const resources = {
    modelBucket: output(STACK_OUTPUTS.modelBucket),
    modelsTable: output(STACK_OUTPUTS.modelsTable),
    keysTable: output(STACK_OUTPUTS.keysTable),
  };
  const config = loadConfig({ ...process.env, [ENV.region]: region });
  const clients = createClients(config);
  const sts = new STSClient({ region });
  return {
    config,
    deps: { ...clients, ...resources },
    url: output(STACK_OUTPUTS.apiUrl),
    identity: async () => (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? 'unknown',
    close: () => {
      destroy(clients);
      sts.destroy();
    },
  };
}

/**
 * The region as the AWS CLI finds it: --region, AWS_REGION, AWS_DEFAULT_REGION, then the profile's
 * `region` in the shared config file (where `aws configure` writes it), read by the SDK's own chain.
 */
export async function resolveRegion(args: Pick<TargetArgs, 'region'>): Promise<string> {
  const given = args.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (given !== undefined) return given;
  const probe = new STSClient({});
  try {
    return await probe.config.region();
  } catch (error) {
    // Only the SDK's own "none found"; a config file it cannot read says so in its own words.
    if ((error as Error).message !== 'Region is missing') throw error;
    throw new UsageError(
      'no AWS region: pass --region, set AWS_REGION, give your profile a region (aws configure), ' +
        'or use --local for the local stack',
    );
  } finally {
    probe.destroy();
  }
}

async function readStackOutputs(
  region: string,
  stacks: readonly string[],
): Promise<Map<string, string>> {
  const cfn = new CloudFormationClient({ region });
  try {
    const outputs = new Map<string, string>();
    for (const name of stacks) {
      const out = await cfn
        .send(new DescribeStacksCommand({ StackName: name }))
        .catch((error: Error) => {
          throw new UsageError(`cannot read stack ${name} in ${region}: ${error.message}`);
        });
      for (const o of out.Stacks?.[0]?.Outputs ?? []) {
        if (o.OutputKey !== undefined && o.OutputValue !== undefined)
          outputs.set(o.OutputKey, o.OutputValue);
      }
    }
    return outputs;
  } finally {
    cfn.destroy();
  }
}

function destroy(clients: Clients): void {
  clients.s3.destroy();
  clients.dynamodb.destroy();
}

/** Runs `work` against the target the flags name, and releases its clients afterwards. */
export async function withTarget<T>(
  args: TargetArgs,
  work: (target: Target) => Promise<T>,
): Promise<T> {
  const target = await resolveTarget(args);
  try {
    return await work(target);
  } finally {
    target.close();
  }
}
