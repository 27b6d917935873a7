/**
 * Every error a caller can act on. Each carries its HTTP status, so the one mapper in functions/ and the
 * CLI need no lookup table; the message is shown to the caller, so it says what was wrong and where.
 * Statuses follow Triton's HTTP server where the Open Inference Protocol is silent.
 */
export abstract class OipError extends Error {
  abstract readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 503 | 504;
}

/** A request the protocol or the model's signature does not allow. */
export class InvalidInputError extends OipError {
  override readonly name = 'InvalidInputError';
  readonly status = 400;
}

/** Bytes that onnxruntime cannot load, or a model maas cannot serve. */
export class InvalidModelError extends OipError {
  override readonly name = 'InvalidModelError';
  readonly status = 400;
}

export class NotFoundError extends OipError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
}

/** A write refused because the state it was based on changed, or because it would lose something. */
export class ConflictError extends OipError {
  override readonly name = 'ConflictError';
  readonly status = 409;
}

export class PayloadTooLargeError extends OipError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
}

export class UnauthorizedError extends OipError {
  override readonly name = 'UnauthorizedError';
  readonly status = 401;
}

export class ForbiddenError extends OipError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
}

/** The model or its store cannot be reached right now; the same request may succeed later. */
export class UnavailableError extends OipError {
  override readonly name = 'UnavailableError';
  readonly status = 503;
}

/** Stored model bytes that no longer match the sha256 recorded at push time: never served. */
export class IntegrityError extends OipError {
  override readonly name = 'IntegrityError';
  readonly status = 503;
}

/** The function's time limit came before the answer: a model load or a run longer than it allows. */
export class TimeLimitError extends OipError {
  override readonly name = 'TimeLimitError';
  readonly status = 504;
}
