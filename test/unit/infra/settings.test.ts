import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../core/config.js';
import {
  MAX_BODY_BYTES_LIMIT,
  parseSettings,
  refuseMisspelt,
  SETTING_KEYS,
  SettingsError,
} from '../../../infra/settings.js';
import { ROOT } from '../../helpers/processes.js';

describe('parseSettings', () => {
  it('documents every setting in cdk.json with exactly its default', () => {
    // Prepare
    const { context } = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const documented = Object.fromEntries(SETTING_KEYS.map((key) => [key, context[key]]));
    // Act
    const defaults = parseSettings({});
    // Assess
    expect(SETTING_KEYS.filter((key) => !(key in context))).toEqual([]);
    expect(parseSettings(documented)).toEqual(defaults);
  });

  it('takes the defaults the handlers share from core/config.ts', () => {
    const code = loadConfig({});
    const settings = parseSettings({});
    expect(settings.maxBodyBytes).toBe(code.maxBodyBytes);
    expect(settings.authorizerCacheTtlSeconds * 1000).toBe(code.keyCacheTtlMs);
  });

  it('reads `-c key=value` strings as the numbers, booleans and lists they spell', () => {
    const settings = parseSettings({
      memorySize: '4096',
      waf: 'false',
      reservedConcurrency: '10',
      provisionedConcurrency: '2',
      preloadModels: 'vad, demo,,',
      architecture: 'x86_64',
    });
    expect(settings).toMatchObject({
      memorySize: 4096,
      waf: false,
      reservedConcurrency: 10,
      provisionedConcurrency: 2,
      preloadModels: ['vad', 'demo'],
      architecture: 'x86_64',
    });
  });

  it('leaves concurrency unreserved, and e-mail off, for null or what `-c key=` can say for it', () => {
    for (const none of [null, 'none', 'null', '']) {
      expect(parseSettings({ reservedConcurrency: none }).reservedConcurrency).toBeUndefined();
      expect(parseSettings({ alarmEmail: none }).alarmEmail).toBeUndefined();
    }
    expect(parseSettings({ preloadModels: 'none' }).preloadModels).toEqual([]);
  });

  it('reads a preloadModels list written as JSON on the command line', () => {
    expect(parseSettings({ preloadModels: '["vad", "demo"]' }).preloadModels).toEqual([
      'vad',
      'demo',
    ]);
  });

  it.each([
    [{ memorySize: '' }, '\'memorySize\': a whole number from 1024 to 10240, not ""'],
    [
      { authorizerCacheTtlSeconds: '' },
      "'authorizerCacheTtlSeconds': a whole number from 0 to 3600",
    ],
    [{ memorySize: '0x1000' }, 'a whole number from 1024 to 10240, not "0x1000"'],
    [{ provisionedConcurrency: true }, 'a whole number from 0 to 100000, not true'],
    [
      { reservedConcurrency: 'lots' },
      "'reservedConcurrency': a whole number from 1 to 100000, or none",
    ],
    [{ reservedConcurrency: 950 }, "'reservedConcurrency': at most accountConcurrencyLimit - 100"],
    [
      { provisionedConcurrency: 2000 },
      "'provisionedConcurrency': at most accountConcurrencyLimit - 100",
    ],
    [{ preloadModels: 'good,Bad' }, "model name 'Bad'"],
    [{ waf: 'FALSE' }, "'waf': true or false"],
    [
      { runbookUrl: `https://example.com/${'x'.repeat(800)}` },
      "'runbookUrl': at most 800 characters",
    ],
    [{ runbookUrl: ' ' }, "'runbookUrl': a URL"],
  ])('refuses %j, saying what it accepts', (context, message) => {
    expect(() => parseSettings(context)).toThrow(message);
  });

  it('refuses a context key that is a setting misspelt, naming the setting', () => {
    expect(() => refuseMisspelt(['memorysize'])).toThrow(
      "unknown context key 'memorysize': did you mean 'memorySize'?",
    );
    expect(() => refuseMisspelt(['memory_size'])).toThrow("did you mean 'memorySize'?");
    expect(() =>
      refuseMisspelt([
        'memorySize',
        '@aws-cdk/core:newStyleStackSynthesis',
        'acknowledged-issue-numbers',
      ]),
    ).not.toThrow();
  });

  it.each([
    [{ architecture: 'x64' }, 'architecture'],
    [{ memorySize: 64 }, 'memorySize'],
    [{ logRetentionDays: 4 }, 'logRetentionDays'],
    [{ preloadModels: ['Not A Name'] }, 'preloadModels'],
    [{ maxBodyBytes: MAX_BODY_BYTES_LIMIT + 1 }, 'maxBodyBytes'],
    [{ waf: 'yes' }, 'waf'],
    [{ reservedConcurrency: 2, provisionedConcurrency: 3 }, 'provisionedConcurrency'],
  ])('refuses %j, naming the context key', (context, key) => {
    expect(() => parseSettings(context)).toThrow(SettingsError);
    expect(() => parseSettings(context)).toThrow(`'${key}'`);
  });

  it('caps the body limit where a base64 body still fits a 6 MiB Lambda event', () => {
    const base64 = Math.ceil(MAX_BODY_BYTES_LIMIT / 3) * 4;
    expect(base64 + 64 * 1024).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});
