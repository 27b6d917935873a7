import { InvalidInputError } from '../oip/errors.js';

/**
 * Model names become URL path segments, S3 key segments and DynamoDB keys, so they are held to a
 * small alphabet: no slashes, no '..' tricks, nothing that needs escaping anywhere.
 */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;

export const MODEL_NAME_RULE =
  'up to 63 characters: lowercase letters, digits, and . _ - after the first, which is a letter or digit';

/** Returns the name unchanged when it is a valid model name, or explains the rule. */
export function checkModelName(name: string): string {
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new InvalidInputError(`invalid model name ${quote(name)}: ${MODEL_NAME_RULE}`);
  }
  return name;
}

/** Parses a version as it appears in a URL or a flag: a positive integer. */
export function parseVersion(version: string | number): number {
  const text = String(version);
  if (!VERSION_PATTERN.test(text)) {
    throw new InvalidInputError(`invalid model version ${quote(text)}: a positive integer`);
  }
  return Number(text);
}

/** Quotes untrusted text for an error message: shortened, with control characters made visible. */
export function quote(text: string, max = 80): string {
  return JSON.stringify(clip(text, max));
}

/** `text` cut to `max` characters, '…' marking a cut: what a client sent, bounded in an answer or a log. */
export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
