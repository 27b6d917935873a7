import { describe, expect, it } from '@jest/globals';
import { checkModelName, parseVersion } from '../../../core/models/names.js';
import { InvalidInputError } from '../../../core/oip/errors.js';

describe('checkModelName', () => {
  it.each(['vad', 'silero-vad.v5', 'a', '0_x', 'x'.repeat(63)])('accepts %j', (name) => {
    expect(checkModelName(name)).toBe(name);
  });

  it.each([
    '',
    '..',
    '../x',
    'a/b',
    'A',
    '-x',
    '.x',
    'x'.repeat(64),
    'ä',
    'a b',
    'a\u0000',
    '%2e%2e',
  ])('refuses %j with the rule', (name) => {
    expect(() => checkModelName(name)).toThrow(InvalidInputError);
    expect(() => checkModelName(name)).toThrow(/lowercase letters, digits/);
  });

  it('shows control characters escaped in the message', () => {
    expect(() => checkModelName('a\nb')).toThrow('invalid model name "a\\nb"');
  });
});

describe('parseVersion', () => {
  it('parses positive integers', () => {
    expect(parseVersion('12')).toBe(12);
  });
  it.each(['0', '-1', '1.5', '01', 'latest', '1e3', '9999999999'])('refuses %j', (v) => {
    expect(() => parseVersion(v)).toThrow(InvalidInputError);
  });
});
