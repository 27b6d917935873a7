import { authorizeModel, mayUse, type Principal } from '../auth/api-keys.js';
import { getHead, listModels, listVersions, type RegistryDeps } from '../models/registry.js';
import { statusOf, type TensorSpec } from '../models/schemas.js';
import { InvalidInputError, NotFoundError, UnavailableError } from '../oip/errors.js';
import { decodeInferRequest, type ParsedInferRequest } from '../oip/request.js';
import type { InferResult } from '../oip/response.js';
import type { TensorLimits } from '../oip/tensors.js';
import { VERSION } from '../version.js';
import type { ModelCatalog, Role } from './catalog.js';
import type { SessionCache } from './sessions.js';

/** Everything the protocol's routes need, built once per process (Lambda container or local server). */
export interface ServingDeps {
  readonly registry: RegistryDeps;
  readonly catalog: ModelCatalog;
  readonly sessions: SessionCache;
  readonly limits: TensorLimits;
}

export interface ModelRef {
  readonly name: string;
  readonly version?: number | undefined;
}

/** The protocol extensions maas implements, reported by GET /v2. */
export const EXTENSIONS = ['binary_tensor_data', 'model_repository'] as const;

export const PLATFORM = 'onnxruntime_onnx';

/** GET /v2 */
export function serverMetadata() {
  return { name: 'maas', version: VERSION, extensions: EXTENSIONS };
}

/** GET /v2/health/ready: ready when the model registry answers. */
export async function serverReady(deps: ServingDeps): Promise<void> {
  try {
    await getHead(deps.registry, '.ready-probe').catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
  } catch (error) {
    throw new UnavailableError(`model registry unavailable: ${(error as Error).name}`, {
      cause: error,
    });
  }
}

/** GET /v2/models/{name}[/versions/{v}]: the signature of the version that would serve. */
export async function modelMetadata(deps: ServingDeps, principal: Principal, ref: ModelRef) {
  authorizeModel(principal, ref.name);
  const [version, { head, versions }] = await Promise.all([
    deps.catalog.resolve(ref.name, ref.version),
    deps.catalog.model(ref.name),
  ]);
  const spec = (s: TensorSpec) => ({ name: s.name, datatype: s.datatype, shape: s.shape });
  return {
    name: version.name,
    versions: versions
      .filter((v) => statusOf(head, v.version) === 'ready')
      .map((v) => String(v.version)),
    platform: PLATFORM,
    inputs: version.signature.inputs.map(spec),
    outputs: version.signature.outputs.map(spec),
  };
}

/**
 * GET /v2/models/{name}[/versions/{v}]/ready: ready means loaded. The version is loaded if it is not
 * yet, so a probe also warms the container; a model that cannot load answers 503.
 */
export async function modelReady(
  deps: ServingDeps,
  principal: Principal,
  ref: ModelRef,
): Promise<void> {
  authorizeModel(principal, ref.name);
  await deps.sessions.warm(await deps.catalog.resolve(ref.name, ref.version));
}

/** POST /v2/repository/index (Triton's model repository extension, read-only): the models this key may use. */
export async function repositoryIndex(
  deps: ServingDeps,
  principal: Principal,
  options: { ready?: boolean | undefined },
) {
  const heads = (await listModels(deps.registry)).filter((h) => mayUse(principal, h.name));
  const versions = await Promise.all(
    heads.map(async (head) =>
      (await listVersions(deps.registry, head.name)).map((v) => {
        const status = statusOf(head, v.version);
        return {
          name: v.name,
          version: String(v.version),
          state: status === 'ready' ? 'READY' : 'UNAVAILABLE',
          reason: status === 'ready' ? '' : status,
        };
      }),
    ),
  );
  return versions.flat().filter((entry) => !options.ready || entry.state === 'READY');
}

/**
 * What the serving path learned while answering, for logs and metrics: filled in as it goes, so a
 * request that fails half-way still says which version it reached.
 */
export interface ServeNotes {
  version?: number;
  role?: Role;
  /** The session was loaded for this request (a cold model). */
  loaded?: boolean;
  inferenceMs?: number;
}

/**
 * POST /v2/models/{name}[/versions/{v}]/infer. The body is read (`read`) once the key may use the
 * model, so a key outside its scope hears 403 before up to a body limit of it is parsed; and before
 * the registry is asked, so a malformed request costs no store call.
 */
export async function infer(
  deps: ServingDeps,
  principal: Principal,
  ref: ModelRef,
  read: () => ParsedInferRequest,
  notes: ServeNotes = {},
): Promise<InferResult> {
  authorizeModel(principal, ref.name);
  const parsed = read();
  const { version, role } =
    deps.catalog.routeNow(ref.name, ref.version) ??
    (await deps.catalog.route(ref.name, ref.version));
  notes.version = version.version;
  notes.role = role;
  const request = decodeInferRequest(parsed, version.signature, deps.limits);
  const outputs = await deps.sessions.use(
    version,
    async (runner) => {
      const started = performance.now();
      try {
        return await runner.run(request.inputs, request.outputs);
      } catch (error) {
        // The request already fits the signature, so what onnxruntime still refuses is a value the
        // model cannot take (a dimension its operators reject): the client's to fix, not a 500.
        throw new InvalidInputError(
          `model '${version.name}' rejected the input: ${runtimeReason(error)}`,
        );
      } finally {
        notes.inferenceMs = performance.now() - started;
      }
    },
    () => {
      notes.loaded = true;
    },
  );
  return {
    modelName: version.name,
    modelVersion: version.version,
    id: request.id,
    parameters: request.parameters,
    outputs,
    binaryOutputs: request.binaryOutputs,
  };
}

/**
 * onnxruntime's message without its internals: source paths and C++ signatures mean nothing to a client
 * and reveal the build. What is left names the operator and the mismatch.
 */
export function runtimeReason(error: unknown): string {
  return String((error as Error).message ?? error)
    .replace(/\S*\/[\w./-]+\.(?:h|cc|cpp|hpp):\d+\s*/g, '')
    .replace(/\b(?:\w+\s+)?\w+(?:::\w+)+\([^)]*\)\s*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
