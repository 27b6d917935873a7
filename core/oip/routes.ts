/**
 * The Open Inference Protocol's REST routes, exactly as the protocol names them, plus Triton's
 * repository index. API Gateway builds its resources from this table, the local server matches
 * requests with it, and the handler dispatches on the matched route: one list for all three.
 */
export const ROUTES = {
  serverMetadata: { method: 'GET', path: '/v2' },
  serverLive: { method: 'GET', path: '/v2/health/live' },
  serverReady: { method: 'GET', path: '/v2/health/ready' },
  modelMetadata: { method: 'GET', path: '/v2/models/{name}' },
  versionMetadata: { method: 'GET', path: '/v2/models/{name}/versions/{version}' },
  modelReady: { method: 'GET', path: '/v2/models/{name}/ready' },
  versionReady: { method: 'GET', path: '/v2/models/{name}/versions/{version}/ready' },
  modelInfer: { method: 'POST', path: '/v2/models/{name}/infer' },
  versionInfer: { method: 'POST', path: '/v2/models/{name}/versions/{version}/infer' },
  repositoryIndex: { method: 'POST', path: '/v2/repository/index' },
} as const satisfies Record<string, { method: 'GET' | 'POST'; path: string }>;

export type RouteId = keyof typeof ROUTES;

export interface RouteMatch {
  readonly id: RouteId;
  readonly pathParameters: Record<string, string>;
}

const COMPILED = (Object.entries(ROUTES) as [RouteId, (typeof ROUTES)[RouteId]][]).map(
  ([id, route]) => {
    const names: string[] = [];
    const pattern = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return {
      id,
      method: route.method,
      resource: route.path,
      names,
      regex: new RegExp(`^${pattern}/?$`),
    };
  },
);

/** Finds the route for a method and path, as API Gateway's resource tree does. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const route of COMPILED) {
    if (route.method !== method) continue;
    const match = route.regex.exec(path);
    if (match === null) continue;
    const pathParameters: Record<string, string> = {};
    for (const [i, name] of route.names.entries())
      pathParameters[name] = safeDecode(match[i + 1] ?? '');
    return { id: route.id, pathParameters };
  }
  return undefined;
}

// Each path has one method in the protocol, so the handler's lookup goes by path: one hash, not a
// comparison with every route.
const BY_RESOURCE = new Map<string, (typeof COMPILED)[number]>(
  COMPILED.map((route) => [route.resource, route]),
);
if (BY_RESOURCE.size !== COMPILED.length) throw new Error('two routes share a path');

/** The route a method and API Gateway resource template name, as the Lambda event carries them. */
export function routeOf(method: string, resource: string): RouteId | undefined {
  const route = BY_RESOURCE.get(resource);
  return route?.method === method ? route.id : undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // an invalid escape is left as is; name validation refuses it with a clear message
  }
}

/**
 * Content types API Gateway passes to the function base64-encoded, byte for byte, and for which it
 * decodes a base64 answer back to bytes: all of them. Triton's HTTP client sends binary tensors with
 * no Content-Type (Triton, like maas, goes by Inference-Header-Content-Length), which a narrower list
 * would hand over as UTF-8 text with every byte that is not valid UTF-8 replaced. And API Gateway
 * decodes an answer only when the client's first Accept matches the list, which curl's any-type Accept
 * or no Accept at all would not do for application/octet-stream alone.
 */
export const BINARY_MEDIA_TYPES = ['*/*'] as const;

/** Whether API Gateway treats a request's media type as binary, by its rules for BINARY_MEDIA_TYPES. */
export function isBinaryMediaType(mediaType: string): boolean {
  // API Gateway takes a request without a Content-Type for JSON.
  const type = mediaType === '' ? 'application/json' : mediaType;
  return (BINARY_MEDIA_TYPES as readonly string[]).some(
    (pattern) =>
      pattern === type ||
      pattern === '*/*' ||
      (pattern.endsWith('/*') && type.startsWith(pattern.slice(0, -1))),
  );
}
