import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../../core/clients.js';
import { loadConfig } from '../../core/config.js';
import type { ModelStoreDeps } from '../../core/models/push.js';
import { LOCAL_RESOURCES, localEnv } from '../../local/seed.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

export interface LocalEnv {
  readonly url: string;
  readonly apiKey: string;
  readonly home: string;
  readonly stack: LocalStack;
  /** Clients on the same emulators, for pushing models and keys directly through core. */
  readonly deps: ModelStoreDeps & { readonly keysTable: string };
  stop(): Promise<void>;
}

/**
 * The real local stack (emulators, handlers, HTTP server) on free ports with a throwaway $MAAS_HOME.
 * One per test file: the handlers read their config once per module registry.
 */
export async function startLocal(env: Readonly<Record<string, string>> = {}): Promise<LocalEnv> {
  const home = await mkdtemp(join(tmpdir(), 'maas-local-'));
  const stack = await startLocalStack({ home, port: 0, persist: false, demo: false, env });
  const clients = createClients(loadConfig(localEnv(stack.state)));
  return {
    url: stack.url,
    apiKey: stack.apiKey,
    home,
    stack,
    deps: { ...clients, ...LOCAL_RESOURCES },
    async stop() {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      await stack.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly raw: Buffer;
}

/** A request with the stack's key (unless `auth` says otherwise); JSON bodies are parsed. */
export async function request(
  local: Pick<LocalEnv, 'url' | 'apiKey'>,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; auth?: string | null } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth === undefined ? `Bearer ${local.apiKey}` : options.auth;
  if (auth !== null) headers.authorization = auth;
  let body: string | Uint8Array | undefined;
  if (options.body instanceof Uint8Array) body = options.body;
  else if (typeof options.body === 'string') body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${local.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const raw = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const parsed =
    type.includes('json') && raw.byteLength > 0 ? JSON.parse(raw.toString('utf8')) : raw;
  return { status: res.status, headers: res.headers, body: parsed, raw };
}
