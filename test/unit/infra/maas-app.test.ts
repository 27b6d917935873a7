import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../../core/config.js';
import { buildMaas } from '../../../infra/maas-app.js';
import { SettingsError } from '../../../infra/settings.js';
import { type SynthesizedMaas, synthMaas } from '../../helpers/synth-maas.js';

describe('buildMaas with context values set (`cdk synth -c key=value`)', () => {
  let maas: SynthesizedMaas;
  let serving: Template;
  beforeAll(() => {
    // As the CDK CLI passes them: every value a string.
    maas = synthMaas({
      stackPrefix: 'Acme',
      architecture: 'x86_64',
      memorySize: '6144',
      timeoutSeconds: '120',
      reservedConcurrency: '20',
      provisionedConcurrency: '2',
      preloadModels: 'vad,demo',
      authorizerCacheTtlSeconds: '0',
      throttlingRateLimit: '50',
      throttlingBurstLimit: '75',
      logRetentionDays: '14',
      maxBodyBytes: '1048576',
      waf: 'false',
      executionLogLevel: 'ERROR',
    });
    serving = Template.fromStack(maas.serving);
  }, 120_000);
  afterAll(() => maas.dispose());

  it('names the stacks from the prefix, as the CLI finds them with --stack', () => {
    expect(maas.assembly.stacks.map((s) => s.stackName).sort()).toEqual([
      'Acme-Serving',
      'Acme-Storage',
    ]);
  });

  it('builds both functions and the layer for x86_64', () => {
    for (const fn of Object.values(serving.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Architectures).toEqual(['x86_64']);
    }
    serving.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleArchitectures: ['x86_64'],
    });
  });

  it('sizes the inference function and its concurrency from the context', () => {
    const fn = serving.findResources('AWS::Lambda::Function', {
      Properties: { MemorySize: 6144 },
    });
    expect(Object.values(fn)[0]?.Properties).toMatchObject({
      Timeout: 120,
      ReservedConcurrentExecutions: 20,
      Environment: {
        Variables: {
          [ENV.preloadModels]: 'vad,demo',
          [ENV.maxBodyBytes]: '1048576',
          [ENV.sessionCacheBytes]: String(2 * 1024 * 1024 * 1024),
        },
      },
    });
    serving.hasResourceProperties('AWS::Lambda::Alias', {
      FunctionName: { Ref: Object.keys(fn)[0] },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
  });

  it('applies the API settings: no authorizer cache, throttling, retention, execution logs', () => {
    serving.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      AuthorizerResultTtlInSeconds: 0,
    });
    serving.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 75,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
    });
    for (const group of Object.values(serving.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(14);
    }
    serving.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'REQUEST_TOO_LARGE',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('1048576-byte limit') },
    });
  });

  it('leaves the web ACL out when waf is false', () => {
    expect(serving.findResources('AWS::WAFv2::WebACL')).toEqual({});
    expect(serving.findResources('AWS::WAFv2::WebACLAssociation')).toEqual({});
  });

  it('fails the synth on a bad context value, naming it', () => {
    const app = new App({ context: { architecture: 'x64' } });
    expect(() => buildMaas(app)).toThrow(SettingsError);
    expect(() => buildMaas(new App({ context: { memorySize: 'lots' } }))).toThrow("'memorySize'");
  });
});
