/** A mistake in how the CLI was called; its message says what to do instead. Exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
