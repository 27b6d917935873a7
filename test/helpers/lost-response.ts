import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createClients } from '../../core/clients.js';
import type { Config } from '../../core/config.js';

/** A DynamoDB request as it goes on the wire: the command's name, and its marshalled input. */
export type WireRequest = { readonly command: string; readonly input: Record<string, unknown> };

export interface LosingClient {
  readonly ddb: DynamoDBDocumentClient;
  /** Whether a response has been lost yet. */
  lost(): boolean;
  destroy(): void;
}

/**
 * A document client of its own whose first request matching `match` reaches the store and is applied,
 * after which its response is lost: a TimeoutError, as when the answer arrives after the client's
 * request timeout. The SDK's retry middleware then sends the request again, as it does in production.
 * `meanwhile` runs between the two, for another writer to get in first. The fault sits inside the SDK
 * (a middleware below its retry), so the code under test meets exactly what the SDK hands it.
 */
export function losingResponse(
  config: Config,
  match: (request: WireRequest) => boolean,
  meanwhile?: () => Promise<void>,
): LosingClient {
  const clients = createClients(config);
  let lost = false;
  // The deserialize step runs inside the SDK's retry loop, so the SDK sees the timeout and retries.
  clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const request = {
        command: context.commandName ?? '',
        input: args.input as WireRequest['input'],
      };
      if (!lost && match(request)) {
        lost = true;
        await meanwhile?.();
        throw Object.assign(new Error('response lost after the store applied the request'), {
          name: 'TimeoutError',
        });
      }
      return out;
    },
    { step: 'deserialize', name: 'loseFirstResponse' },
  );
  return {
    ddb: clients.ddb,
    lost: () => lost,
    destroy: () => {
      clients.s3.destroy();
      clients.dynamodb.destroy();
    },
  };
}

/** Whether the request writes a version record. */
export const writesVersion = ({ command, input }: WireRequest): boolean =>
  command === 'PutItemCommand' &&
  String((input.Item as { sk?: { S?: string } } | undefined)?.sk?.S).startsWith('VERSION#');

/** Whether the request is an update whose expression starts with `prefix`. */
export const updates =
  (prefix: string) =>
  ({ command, input }: WireRequest): boolean =>
    command === 'UpdateItemCommand' && String(input.UpdateExpression).startsWith(prefix);

/** A routing change: the conditional update of a model's head on its revision. */
export const isRoutingWrite = ({ command, input }: WireRequest): boolean =>
  command === 'UpdateItemCommand' && String(input.ConditionExpression).includes('#revision');
