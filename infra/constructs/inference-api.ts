import { Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  type CfnRestApi,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
  type Stage,
  TokenAuthorizer,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AUTH_UNAVAILABLE_MESSAGE, UNAUTHORIZED_MESSAGE } from '../../core/auth/api-keys.js';
import { BINARY_MEDIA_TYPES, ROUTES } from '../../core/oip/routes.js';

/** The stage clients call: its name is the first segment of every URL path. */
export const STAGE_NAME = 'prod';

/**
 * TLS 1.2 and 1.3 only, forward-secret ciphers only, on the default execute-api endpoint too (a REST
 * API's default endpoint otherwise accepts TLS 1.0). Enhanced policies require an endpoint access
 * mode; STRICT also refuses requests whose SNI does not name this API.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies-list.html
 */
export const SECURITY_POLICY = 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09';

/**
 * One JSON object per request. Only values API Gateway produces itself: a client-supplied value such
 * as the User-Agent could carry a quote and break the line's JSON.
 */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  resource: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  tlsVersion: '$context.tlsVersion',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatencyMs: '$context.integration.latency',
  apiKeyName: '$context.authorizer.principalId',
  authorizerError: '$context.authorizer.error',
  authorizerLatencyMs: '$context.authorizer.latency',
  errorType: '$context.error.responseType',
  error: '$context.error.message',
  wafStatus: '$context.waf.status',
  xrayTraceId: '$context.xrayTraceId',
};

export interface InferenceApiProps {
  /** Serves every route in ROUTES (Lambda proxy integration). */
  readonly handler: IFunction;
  /** The TOKEN authorizer: `Authorization` header in, Allow policy (or 'Unauthorized') out. */
  readonly authorizer: IFunction;
  /** How long an answer is reused per token. @default Duration.seconds(30) */
  readonly authorizerCacheTtl?: Duration;
  /** Stage-wide steady rate (requests/s) and burst. @default { rateLimit: 100, burstLimit: 200 } */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: RetentionDays;
  /** The body limit the function enforces; named in the gateway's own 413. */
  readonly maxBodyBytes: number;
  /**
   * Execution logs need the account's API Gateway CloudWatch role, which this construct does not set.
   * @default MethodLoggingLevel.OFF
   */
  readonly executionLogLevel?: MethodLoggingLevel;
}

/**
 * The Open Inference Protocol over an API Gateway REST API: one resource per route in ROUTES, each
 * method behind the key-check authorizer and proxied to the one inference function, and every answer
 * API Gateway gives on its own shaped like the protocol's errors: `{"error": "..."}`.
 */
export class InferenceApi extends Construct {
  public readonly api: RestApi;
  public readonly stage: Stage;
  public readonly accessLogs: LogGroup;
  /** The stage's base URL, without a trailing slash: clients append /v2/... as they do locally. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: InferenceApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.THREE_MONTHS,
    });
    const authorizer = new TokenAuthorizer(this, 'KeyCheck', {
      handler: props.authorizer,
      identitySource: IdentitySource.header('Authorization'),
      // The answer allows the whole stage (model scope is checked in the function), so it can be cached.
      resultsCacheTtl: props.authorizerCacheTtl ?? Duration.seconds(30),
    });
    const throttling = props.throttling ?? { rateLimit: 100, burstLimit: 200 };

    this.api = new RestApi(this, 'Api', {
      restApiName: Stack.of(this).stackName,
      description: 'maas: ONNX models over the Open Inference Protocol',
      // Regional: clients in the region skip CloudFront, and the TLS policy below applies as written.
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
      cloudWatchRole: false, // an account-wide setting; see executionLogLevel
      defaultMethodOptions: { authorizer, authorizationType: AuthorizationType.CUSTOM },
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        loggingLevel: props.executionLogLevel ?? MethodLoggingLevel.OFF,
        dataTraceEnabled: false, // would log request bodies (tensors) and Authorization headers
      },
    });
    // RestApi adds an "Endpoint" output with a trailing slash; the stack outputs ApiUrl instead.
    this.api.node.tryRemoveChild('Endpoint');
    const cfnApi = this.api.node.defaultChild as CfnRestApi;
    cfnApi.securityPolicy = SECURITY_POLICY;
    cfnApi.endpointAccessMode = 'STRICT';
    this.stage = this.api.deploymentStage;

    // REST API integrations time out at 29 s by default; see README "Model size and cold starts".
    const integration = new LambdaIntegration(props.handler, {
      proxy: true,
      allowTestInvoke: false, // console test invokes skip the authorizer; no permission for them
    });
    for (const route of Object.values(ROUTES)) {
      this.api.root.resourceForPath(route.path).addMethod(route.method, integration);
    }

    const errors: readonly [ResponseType, string, string][] = [
      [ResponseType.UNAUTHORIZED, '401', UNAUTHORIZED_MESSAGE],
      // The authorizer failed (not refused): a store outage, so 503 and the same words as locally.
      [ResponseType.AUTHORIZER_FAILURE, '503', AUTH_UNAVAILABLE_MESSAGE],
      [ResponseType.ACCESS_DENIED, '403', 'access denied'],
      [ResponseType.WAF_FILTERED, '403', 'request blocked by the web application firewall'],
      // A REST API answers routes it does not have with this type (as a 403); it means "no route".
      [ResponseType.MISSING_AUTHENTICATION_TOKEN, '404', 'no such route'],
      [ResponseType.THROTTLED, '429', 'too many requests: retry with backoff'],
      [
        ResponseType.REQUEST_TOO_LARGE,
        '413',
        `request body is over the ${props.maxBodyBytes}-byte limit`,
      ],
      [
        ResponseType.INTEGRATION_TIMEOUT,
        '504',
        'no answer within 29 s: a model that is still loading keeps loading, so retry shortly',
      ],
    ];
    for (const [type, statusCode, message] of errors) {
      this.api.addGatewayResponse(type.responseType, {
        type,
        statusCode,
        templates: { 'application/json': JSON.stringify({ error: message }) },
      });
    }
    // Everything else keeps its status and API Gateway's own message, JSON-quoted by API Gateway.
    for (const type of [ResponseType.DEFAULT_4XX, ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(type.responseType, {
        type,
        templates: { 'application/json': '{"error":$context.error.messageString}' },
      });
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'The function validates every request against the protocol schema and the model signature ' +
        "(core/oip) before touching a model; API Gateway's JSON-schema models cannot express tensors " +
        'of a model-specific shape, nor the binary extension, so gateway validation would add nothing.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Clients are Open Inference Protocol clients holding API keys, not Cognito users: every method ' +
        'is behind the Lambda TOKEN authorizer, which checks the key against its stored sha256.',
    });
    if ((props.executionLogLevel ?? MethodLoggingLevel.OFF) === MethodLoggingLevel.OFF) {
      Validations.of(this.stage).acknowledge({
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logs need the account-wide API Gateway CloudWatch role (a per-region singleton this ' +
          'app does not take over); JSON access logs record every request with its status, error type, ' +
          'authorizer error and integration status. Turn them on with executionLogLevel.',
      });
    }

    const stack = Stack.of(this);
    this.url = Fn.join('', [
      'https://',
      this.api.restApiId,
      '.execute-api.',
      stack.region,
      '.',
      stack.urlSuffix,
      '/',
      this.stage.stageName,
    ]);
  }
}
