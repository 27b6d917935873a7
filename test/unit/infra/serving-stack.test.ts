import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { UNAUTHORIZED_MESSAGE } from '../../../core/auth/api-keys.js';
import { ENV } from '../../../core/config.js';
import { DIMENSION, METRIC, METRICS_NAMESPACE } from '../../../core/metrics.js';
import { BINARY_MEDIA_TYPES, ROUTES } from '../../../core/oip/routes.js';
import { STACK_OUTPUTS } from '../../../core/stack-outputs.js';
import { SECURITY_POLICY, STAGE_NAME } from '../../../infra/constructs/inference-api.js';
import { ALARMS } from '../../../infra/constructs/serving-alarms.js';
import { type SynthesizedMaas, synthMaas } from '../../helpers/synth-maas.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

interface WafRule {
  readonly Name: string;
  readonly Priority: number;
  readonly Statement: {
    readonly RegexMatchStatement?: { readonly RegexString: string };
    readonly ManagedRuleGroupStatement?: {
      readonly RuleActionOverrides: { readonly Name: string; readonly ActionToUse: unknown }[];
    };
  };
}

describe('ServingStack (default settings)', () => {
  let maas: SynthesizedMaas;
  let template: Template;
  let resources: Resources;
  /** Logical id of the one resource of a type whose properties match. */
  const idOf = (type: string, props: Record<string, unknown> = {}) => {
    const ids = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  };

  beforeAll(() => {
    maas = synthMaas();
    template = Template.fromStack(maas.serving);
    resources = template.toJSON().Resources as Resources;
  }, 120_000);
  afterAll(() => maas.dispose());

  describe('functions', () => {
    it('runs all three (inference, authorizer, auto-rollback) on nodejs22.x, arm64, traced, with their own log groups', () => {
      const functions = template.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions)).toHaveLength(3);
      for (const fn of Object.values(functions)) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
      }
    });

    it('sizes the inference function from the settings and gives it the arm64 layer', () => {
      const layer = idOf('AWS::Lambda::LayerVersion', { CompatibleArchitectures: ['arm64'] });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('Open Inference Protocol'),
        MemorySize: 3008,
        Timeout: 60,
        Layers: [{ Ref: layer }],
        ReservedConcurrentExecutions: Match.absent(),
      });
      template.hasResourceProperties('AWS::Lambda::LayerVersion', {
        CompatibleRuntimes: ['nodejs22.x'],
      });
    });

    it('sets environment variables only by the names core/config.ts defines', () => {
      const known = new Set<string>(Object.values(ENV));
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
        const names = Object.keys(fn.Properties.Environment.Variables);
        expect(names.filter((name) => !known.has(name))).toEqual([]);
      }
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            [ENV.modelBucket]: Match.anyValue(),
            [ENV.modelsTable]: Match.anyValue(),
            [ENV.maxBodyBytes]: '4194304',
            [ENV.preloadModels]: '',
            [ENV.sessionCacheBytes]: String(Math.floor((3008 * 1024 * 1024) / 3)),
          },
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { [ENV.keysTable]: Match.anyValue() } },
      });
    });

    it('retains the function log groups with the configured retention', () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups).toHaveLength(4); // three functions and the API access log
      for (const group of groups) {
        expect(group).toMatchObject({
          DeletionPolicy: 'Retain',
          Properties: { RetentionInDays: 90 },
        });
      }
    });

    it('serves the API through each function\'s "live" alias, without provisioned concurrency', () => {
      const aliases = Object.values(template.findResources('AWS::Lambda::Alias'));
      expect(aliases).toHaveLength(3);
      for (const alias of aliases) {
        expect(alias.Properties.Name).toBe('live');
        expect(alias.Properties.ProvisionedConcurrencyConfig).toBeUndefined();
      }
    });
  });

  describe('IAM', () => {
    const functionProps = (description: string) => {
      const fn = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::Function' &&
          String(r.Properties.Description).includes(description),
      );
      if (fn === undefined) throw new Error(`no function described as ${description}`);
      return fn.Properties as {
        Role: { 'Fn::GetAtt': [string, string] };
        LoggingConfig: { LogGroup: { Ref: string } };
      };
    };
    const roleOf = (description: string) => functionProps(description).Role['Fn::GetAtt'][0];
    const logGroupOf = (description: string) =>
      functionProps(description).LoggingConfig.LogGroup.Ref;

    it.each([
      ['inference', 'Open Inference Protocol', 'ServePolicy'],
      ['authorizer', 'API key check', 'AuthenticatePolicy'],
    ])(
      "gives the %s role its log group, X-Ray, and the storage stack's %s only",
      (_, description, policy) => {
        const role = roleOf(description);
        // Assess: the managed policy is the storage stack's (whose statements storage-stack.test pins)
        const managed = resources[role]?.Properties.ManagedPolicyArns as unknown[];
        expect(managed).toHaveLength(1);
        expect(JSON.stringify(managed)).toContain(policy);
        const inline = Object.values(resources).filter(
          (r) =>
            r.Type === 'AWS::IAM::Policy' &&
            JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: role }]),
        );
        expect(inline.map((p) => p.Properties.PolicyDocument)).toEqual([
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: { 'Fn::GetAtt': [logGroupOf(description), 'Arn'] },
              },
              {
                Effect: 'Allow',
                Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
                Resource: '*',
              },
            ],
          },
        ]);
      },
    );

    it('grants no wildcard action anywhere, and a wildcard resource only to X-Ray and metric reads', () => {
      const statements = [maas.storage, maas.serving].flatMap((stack) =>
        Object.values(Template.fromStack(stack).toJSON().Resources as Resources)
          .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
          .flatMap(
            (r) =>
              (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
          ),
      );
      const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
      const starred = statements.filter((s) => JSON.stringify(s.Resource) === '"*"');
      const xray = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
      expect(starred.map((s) => [s.Action].flat())).toEqual(
        expect.arrayContaining([xray, xray, xray, ['cloudwatch:GetMetricData']]),
      );
      expect(starred).toHaveLength(4); // X-Ray for each function, and the auto-rollback metric read
      expect(template.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
    });
  });

  describe('API Gateway', () => {
    it('is a regional REST API that accepts TLS 1.2+ only and passes binary tensors through', () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        EndpointConfiguration: { Types: ['REGIONAL'] },
        SecurityPolicy: SECURITY_POLICY,
        EndpointAccessMode: 'STRICT',
        BinaryMediaTypes: [...BINARY_MEDIA_TYPES],
      });
      expect(SECURITY_POLICY).toMatch(/^SecurityPolicy_TLS13_1_2_/); // TLS 1.3 and 1.2, nothing older
    });

    it('has exactly the routes in ROUTES, each behind the key-check authorizer', () => {
      const authorizer = idOf('AWS::ApiGateway::Authorizer', { Type: 'TOKEN' });
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
      expect(methods).toHaveLength(Object.keys(ROUTES).length);
      for (const method of methods) {
        expect(method.Properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizer },
        });
      }
      const paths = methods.map(
        (m) => `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId.Ref)}`,
      );
      expect(paths.sort()).toEqual(
        Object.values(ROUTES)
          .map((r) => `${r.method} ${r.path}`)
          .sort(),
      );
    });

    /** Rebuilds a resource's path from its PathPart chain. */
    function pathOf(resourceId: string): string {
      const resource = resources[resourceId];
      if (resource === undefined) return '';
      const parent = resource.Properties.ParentId as { Ref?: string };
      const prefix = parent.Ref === undefined ? '' : pathOf(parent.Ref);
      return `${prefix}/${resource.Properties.PathPart}`;
    }

    it("proxies every route to the inference function's live alias", () => {
      const alias = idOf('AWS::Lambda::Alias', {
        FunctionName: { Ref: idOf('AWS::Lambda::Function', { MemorySize: 3008 }) },
      });
      for (const method of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
        expect(method.Properties.Integration).toMatchObject({
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
        });
        expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(`"Ref":"${alias}"`);
      }
    });

    it('checks the Authorization header with the authorizer alias, caching answers 30 s', () => {
      const alias = idOf('AWS::Lambda::Alias', {
        FunctionName: {
          Ref: idOf('AWS::Lambda::Function', {
            Description: Match.stringLikeRegexp('API key check'),
          }),
        },
      });
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'TOKEN',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 30,
      });
      const authorizer = Object.values(template.findResources('AWS::ApiGateway::Authorizer'))[0];
      expect(JSON.stringify(authorizer?.Properties.AuthorizerUri)).toContain(`"Ref":"${alias}"`);
    });

    it('traces, throttles and access-logs the stage in JSON, without logging bodies', () => {
      const accessLogs = accessLogGroup();
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: STAGE_NAME,
        TracingEnabled: true,
        MethodSettings: [
          {
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: 100,
            ThrottlingBurstLimit: 200,
            DataTraceEnabled: false,
            LoggingLevel: 'OFF',
          },
        ],
      });
      const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
      const setting = stage?.Properties.AccessLogSetting;
      expect(JSON.stringify(setting.DestinationArn)).toContain(`"Ref":"${accessLogs}"`);
      const format = JSON.parse(setting.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
        apiKeyName: '$context.authorizer.principalId',
        errorType: '$context.error.responseType',
      });
    });

    function accessLogGroup(): string {
      const functionGroups = Object.values(template.findResources('AWS::Lambda::Function')).map(
        (fn) => fn.Properties.LoggingConfig.LogGroup.Ref as string,
      );
      const ids = Object.keys(template.findResources('AWS::Logs::LogGroup')).filter(
        (id) => !functionGroups.includes(id),
      );
      expect(ids).toHaveLength(1);
      return ids[0] as string;
    }

    it.each([
      ['UNAUTHORIZED', '401', UNAUTHORIZED_MESSAGE],
      ['ACCESS_DENIED', '403', 'access denied'],
      ['MISSING_AUTHENTICATION_TOKEN', '404', 'no such route'],
      ['THROTTLED', '429', expect.stringContaining('too many requests')],
      ['REQUEST_TOO_LARGE', '413', expect.stringContaining('4194304-byte limit')],
      ['WAF_FILTERED', '403', expect.any(String)],
      ['INTEGRATION_TIMEOUT', '504', expect.stringContaining('29 s')],
    ])('answers %s with %s and the protocol error shape', (type, status, message) => {
      const response = Object.values(
        template.findResources('AWS::ApiGateway::GatewayResponse'),
      ).find((r) => r.Properties.ResponseType === type);
      expect(response?.Properties.StatusCode).toBe(status);
      expect(JSON.parse(response?.Properties.ResponseTemplates['application/json'])).toEqual({
        error: message,
      });
    });

    it.each(['DEFAULT_4XX', 'DEFAULT_5XX'])(
      "answers every other %s in the protocol error shape, with API Gateway's message",
      (type) => {
        template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
          ResponseType: type,
          StatusCode: Match.absent(),
          ResponseTemplates: { 'application/json': '{"error":$context.error.messageString}' },
        });
      },
    );
  });

  describe('WAF', () => {
    it('guards the stage with a web ACL: body size, per-IP rate, then the common rule set', () => {
      const acl = idOf('AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
      const stage = idOf('AWS::ApiGateway::Stage');
      const association = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'));
      expect(association).toHaveLength(1);
      expect(association[0]?.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [acl, 'Arn'] });
      expect(JSON.stringify(association[0]?.Properties.ResourceArn)).toContain(`"Ref":"${stage}"`);

      const rules = resources[acl]?.Properties.Rules as WafRule[];
      expect(rules.map((r) => [r.Priority, r.Name])).toEqual([
        [0, 'MaxBodySize'],
        [1, 'RateLimitPerIp'],
        [2, 'AWSManagedRulesCommonRuleSet'],
      ]);
      expect(rules[0]).toMatchObject({
        Action: { Block: { CustomResponse: { ResponseCode: 413 } } },
        Statement: {
          RegexMatchStatement: { FieldToMatch: { SingleHeader: { Name: 'content-length' } } },
        },
      });
      const sizes = new RegExp(rules[0]?.Statement.RegexMatchStatement?.RegexString ?? '');
      expect([sizes.test('4194304'), sizes.test('4194305')]).toEqual([false, true]);
      expect(rules[1]).toMatchObject({
        Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
        Statement: { RateBasedStatement: { Limit: 3000, AggregateKeyType: 'IP' } },
      });
      // The common rules block, except their body rules, which count (see web-firewall.ts).
      const overrides = rules[2]?.Statement.ManagedRuleGroupStatement?.RuleActionOverrides ?? [];
      expect(overrides.length).toBeGreaterThan(0);
      expect(overrides.every((o) => o.Name.endsWith('_BODY'))).toBe(true);
      expect(overrides.every((o) => JSON.stringify(o.ActionToUse) === '{"Count":{}}')).toBe(true);
    });
  });

  describe('alarms, dashboard and automatic rollback', () => {
    const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const topic = () => idOf('AWS::SNS::Topic');

    it('has every alarm, each described in one line with a link to its runbook section, notifying the topic', () => {
      expect(alarms()).toHaveLength(Object.keys(ALARMS).length);
      for (const [id, line] of Object.entries(ALARMS)) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `Maas-Serving-${id}`,
          AlarmDescription: `${line}. Runbook: docs/runbook.md#${id}`,
          AlarmActions: [{ Ref: topic() }],
          OKActions: [{ Ref: topic() }],
          TreatMissingData: 'notBreaching',
        });
      }
    });

    it('links only runbook sections that exist', () => {
      const runbook = readFileSync(new URL('../../../docs/runbook.md', import.meta.url), 'utf8');
      const sections = [...runbook.matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
      expect(sections).toEqual(Object.keys(ALARMS));
    });

    it.each([
      ['api-5xx-rate', 1, { MetricName: '5XXError', Namespace: 'AWS/ApiGateway' }],
      ['api-4xx-spike', 25, { MetricName: '4XXError', Namespace: 'AWS/ApiGateway' }],
      ['p99-latency', 2000, { MetricName: 'Latency', Namespace: 'AWS/ApiGateway' }],
      ['lambda-errors', 1, { MetricName: 'Errors', Namespace: 'AWS/Lambda' }],
      ['lambda-throttles', 1, { MetricName: 'Throttles', Namespace: 'AWS/Lambda' }],
      ['concurrency-high', 800, { MetricName: 'ConcurrentExecutions', Namespace: 'AWS/Lambda' }],
      // Not the authorizer's Lambda Errors: those count every refused key too.
      ['authorizer-failures', 1, { MetricName: METRIC.authFailures, Namespace: METRICS_NAMESPACE }],
      [
        'model-load-failures',
        1,
        { MetricName: METRIC.modelLoadFailures, Namespace: METRICS_NAMESPACE },
      ],
      [
        'integrity-failures',
        1,
        { MetricName: METRIC.integrityFailures, Namespace: METRICS_NAMESPACE },
      ],
    ])('alarms %s at %p on %j', (id, threshold, metric) => {
      const [alarm] = alarms().filter((a) => a.Properties.AlarmName === `Maas-Serving-${id}`);
      expect(alarm?.Properties.Threshold).toBe(threshold);
      expect(JSON.stringify(alarm?.Properties)).toContain(JSON.stringify(metric.MetricName));
      expect(JSON.stringify(alarm?.Properties)).toContain(JSON.stringify(metric.Namespace));
    });

    it("compares the canary's error rate with stable's, from the routed-request metrics by role", () => {
      const [alarm] = alarms().filter(
        (a) => a.Properties.AlarmName === 'Maas-Serving-canary-error-rate',
      );
      expect(alarm?.Properties).toMatchObject({
        Threshold: 5,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
      });
      const queries = alarm?.Properties.Metrics as {
        Id: string;
        Expression?: string;
        MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } };
      }[];
      expect(queries.find((q) => q.Expression !== undefined)?.Expression).toBe(
        'IF(cr >= 20, 100 * (ce / cr - IF(sr > 0, se / sr, 0)), 0)',
      );
      const stats = queries
        .filter((q) => q.MetricStat !== undefined)
        .map((q) => [q.Id, q.MetricStat?.Metric.MetricName, q.MetricStat?.Metric.Dimensions]);
      expect(stats).toEqual(
        expect.arrayContaining([
          [
            'cr',
            METRIC.routedRequests,
            expect.arrayContaining([{ Name: DIMENSION.role, Value: 'canary' }]),
          ],
          [
            'se',
            METRIC.routedErrors,
            expect.arrayContaining([{ Name: DIMENSION.role, Value: 'stable' }]),
          ],
        ]),
      );
    });

    it('sends alarms to an SNS topic encrypted with a rotating key, over TLS only', () => {
      const key = idOf('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
      expect(template.findResources('AWS::SNS::Subscription')).toEqual({}); // no alarmEmail by default
      // The stack holds no data: its key goes with it rather than staying behind, billed.
      expect(template.toJSON().Resources[key]).toMatchObject({
        DeletionPolicy: 'Delete',
        Properties: { PendingWindowInDays: 7 },
      });
    });

    it('runs the auto-rollback function on the canary alarm going to ALARM', () => {
      const canary = idOf('AWS::CloudWatch::Alarm', {
        AlarmName: 'Maas-Serving-canary-error-rate',
      });
      const fn = idOf('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('end failing canaries'),
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          resources: [{ 'Fn::GetAtt': [canary, 'Arn'] }],
          detail: { state: { value: ['ALARM'] } },
        },
      });
      expect(resources[fn]?.Properties.Environment).toEqual({
        Variables: expect.objectContaining({
          [ENV.canaryErrorMarginPct]: '5',
          [ENV.modelsTable]: expect.anything(),
        }),
      });
    });

    it('draws a dashboard from the metric names the handlers emit, with every alarm', () => {
      const body = JSON.stringify(
        Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties
          .DashboardBody,
      );
      for (const name of [
        METRIC.requests,
        METRIC.clientErrors,
        METRIC.serverErrors,
        METRIC.latency,
        METRIC.modelLoadTime,
        METRIC.coldStart,
        METRIC.routedRequests,
        METRIC.routedErrors,
      ]) {
        expect(body).toContain(name);
      }
      for (const statistic of ['p50', 'p90', 'p99']) expect(body).toContain(statistic);
      for (const alarm of Object.keys(template.findResources('AWS::CloudWatch::Alarm')))
        expect(body).toContain(alarm);
    });
  });

  describe('outputs and checks', () => {
    it('outputs the API URL, without a trailing slash, under the name the CLI reads', () => {
      expect(Object.keys(template.toJSON().Outputs)).toEqual([
        STACK_OUTPUTS.apiUrl,
        'AlarmTopicArn',
        'DashboardName',
        'InferenceLogGroup',
        'AuthorizerLogGroup',
        'AccessLogGroup',
      ]);
      const parts = template.toJSON().Outputs[STACK_OUTPUTS.apiUrl].Value[
        'Fn::Join'
      ][1] as unknown[];
      expect(parts[0]).toBe('https://');
      expect(parts.at(-1)).toEqual({ Ref: idOf('AWS::ApiGateway::Stage') });
    });

    it("outputs the log groups the runbook's queries run on", () => {
      const groups = Object.keys(template.findResources('AWS::Logs::LogGroup'));
      const outputs = template.toJSON().Outputs;
      for (const name of ['InferenceLogGroup', 'AuthorizerLogGroup', 'AccessLogGroup'])
        expect(groups).toContain(outputs[name].Value.Ref);
      const runbook = readFileSync(new URL('../../../docs/runbook.md', import.meta.url), 'utf8');
      for (const name of ['InferenceLogGroup', 'AuthorizerLogGroup', 'AccessLogGroup'])
        expect(runbook).toContain(name);
    });

    it('names the stacks from the default prefix', () => {
      expect([maas.storage.stackName, maas.serving.stackName]).toEqual([
        'Maas-Storage',
        'Maas-Serving',
      ]);
    });

    it('passes cdk-nag AwsSolutions, acknowledging only these findings, each with its reason', () => {
      // Synthesis itself would have thrown on an unacknowledged finding; here: what was acknowledged.
      const acknowledged = maas.app.node.findAll().flatMap((construct) =>
        construct.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) =>
            Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
              at: construct.node.path,
              id: id.replace(/^annotation::/i, ''),
              reason,
            })),
          ),
      );
      expect(acknowledged.map(({ at, id }) => `${at} ${id}`).sort()).toEqual(
        [
          'Maas-Storage/Models/ServePolicy AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/models/*]',
          'Maas-Serving/Inference/Fn AwsSolutions-L1',
          'Maas-Serving/Inference/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
          'Maas-Serving/Authorizer/Fn AwsSolutions-L1',
          'Maas-Serving/Authorizer/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
          'Maas-Serving/AutoRollback/Handler/Fn AwsSolutions-L1',
          'Maas-Serving/AutoRollback/Handler/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
          'Maas-Serving/AutoRollback/ReadMetrics AwsSolutions-IAM5[Resource::*]',
          'Maas-Serving/Api/Api AwsSolutions-APIG2',
          'Maas-Serving/Api/Api AwsSolutions-COG4',
          `Maas-Serving/Api/Api/DeploymentStage.${STAGE_NAME} AwsSolutions-APIG6`,
        ].sort(),
      );
      for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(60);
    });
  });
});
