import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/**
 * The common rule set's rules that inspect the body. Their patterns (paths, scripts, URLs) mean nothing
 * in a tensor: numbers in JSON, raw bytes in the binary extension, and BYTES elements that are data a
 * model reads (a text model may well be sent "../"). Random binary data matches "../" about once in
 * every 2,000 8 KB bodies, so blocking on them would fail real requests. They count instead of block:
 * visible in WAF's metrics, harmless to clients. SizeRestrictions_BODY blocks every body over 8 KB;
 * the MaxBodySize rule below enforces the limit that is real here.
 */
const COUNTED_BODY_RULES = [
  'SizeRestrictions_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'CrossSiteScripting_BODY',
  'EC2MetaDataSSRF_BODY',
] as const;

export interface WebFirewallProps {
  /** The API stage the web ACL guards. */
  readonly stage: Stage;
  /** Requests declaring a longer body are refused with 413 before they reach the function. */
  readonly maxBodyBytes: number;
  /** Requests per client IP in any 5 minutes; beyond it that IP gets 429 until its rate drops. */
  readonly rateLimit: number;
}

/**
 * A WAF web ACL on the API stage: a per-IP rate limit, the request body limit, and AWS's common rule
 * set. WAF on API Gateway inspects at most the first 8-64 KB of a body, so it cannot measure a
 * 4 MiB body: the size rule reads the Content-Length header instead. A request without one (chunked)
 * passes it and meets the function's own check, or Lambda's 6 MB limit.
 */
export class WebFirewall extends Construct {
  public readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: WebFirewallProps) {
    super(scope, id);
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new CfnWebACL(this, 'Acl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('maas'),
      customResponseBodies: {
        tooLarge: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            error: `request body is over the ${props.maxBodyBytes}-byte limit`,
          }),
        },
        rateLimited: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: 'too many requests from this address: retry later' }),
        },
      },
      rules: [
        {
          name: 'MaxBodySize',
          priority: 0,
          statement: {
            regexMatchStatement: {
              fieldToMatch: { singleHeader: { Name: 'content-length' } },
              regexString: integerAbovePattern(props.maxBodyBytes),
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          action: {
            block: { customResponse: { responseCode: 413, customResponseBodyKey: 'tooLarge' } },
          },
          visibilityConfig: visibility('MaxBodySize'),
        },
        {
          name: 'RateLimitPerIp',
          priority: 1,
          statement: {
            rateBasedStatement: {
              limit: props.rateLimit,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          action: {
            block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rateLimited' } },
          },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        {
          name: 'AWSManagedRulesCommonRuleSet',
          priority: 2,
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: COUNTED_BODY_RULES.map((name) => ({
                name,
                actionToUse: { count: {} },
              })),
            },
          },
          overrideAction: { none: {} },
          visibilityConfig: visibility('AWSManagedRulesCommonRuleSet'),
        },
      ],
    });
    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}

/**
 * A regular expression matching exactly the decimal integers greater than `n` (leading zeros allowed,
 * as HTTP allows them in Content-Length). WAF can only compare a header's text, not its value, so
 * "Content-Length > n" is spelled out digit by digit: longer numbers, or same length and larger at
 * the first digit that differs. Only classes, groups and counted repeats: syntax WAF's regex accepts.
 */
export function integerAbovePattern(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative integer: ${n}`);
  const digits = String(n);
  const length = digits.length;
  const alternatives = [`[1-9][0-9]{${length},}`];
  for (let i = 0; i < length; i++) {
    const digit = Number(digits[i]);
    if (digit === 9) continue;
    const rest = length - i - 1;
    const higher = digit + 1 === 9 ? '9' : `[${digit + 1}-9]`;
    alternatives.push(`${digits.slice(0, i)}${higher}${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  }
  return `^0*(${alternatives.join('|')})$`;
}
