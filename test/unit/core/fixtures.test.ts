import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { VERSION } from '../../../core/version.js';
import { FIXTURE_MODELS } from '../../fixtures/models/make-models.js';

describe('checked-in fixtures', () => {
  it.each(Object.entries(FIXTURE_MODELS))('%s is what make-models builds', (file, build) => {
    const onDisk = readFileSync(new URL(`../../fixtures/models/${file}`, import.meta.url));
    expect(Buffer.from(build()).equals(onDisk)).toBe(true);
  });

  it('reports the version package.json declares', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
