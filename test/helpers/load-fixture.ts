import { readFileSync } from 'node:fs';

/** A JSON fixture from test/fixtures/<kind>/<name>.json, freshly parsed (safe to change). */
export function loadFixture<T = Record<string, unknown>>(kind: string, name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/${kind}/${name}.json`, import.meta.url), 'utf8'),
  ) as T;
}
