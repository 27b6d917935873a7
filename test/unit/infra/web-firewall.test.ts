import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { integerAbovePattern } from '../../../infra/constructs/web-firewall.js';
import { MAX_BODY_BYTES_LIMIT } from '../../../infra/settings.js';

describe('integerAbovePattern', () => {
  it('matches exactly the integers above n, as Content-Length spells them', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        fc.nat({ max: 2 ** 40 }),
        fc.nat({ max: 2 }),
        (n, m, zeros) => {
          const regex = new RegExp(integerAbovePattern(n));
          return regex.test(`${'0'.repeat(zeros)}${m}`) === m > n;
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gets the edges right around the default 4 MiB limit', () => {
    const regex = new RegExp(integerAbovePattern(4194304));
    expect(['4194304', '4194303', '0', '', '999999'].filter((v) => regex.test(v))).toEqual([]);
    expect(['4194305', '4194310', '4200000', '5000000', '10000000', '04194305']).toEqual(
      ['4194305', '4194310', '4200000', '5000000', '10000000', '04194305'].filter((v) =>
        regex.test(v),
      ),
    );
  });

  it('refuses anything but digits, so a malformed header is not taken for a size', () => {
    const regex = new RegExp(integerAbovePattern(100));
    expect(['1e9', '+500', '500 ', ' 500', '5O0', '-1000'].filter((v) => regex.test(v))).toEqual(
      [],
    );
  });

  it('stays within the length WAF accepts for a regex, for every body limit settings allow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: MAX_BODY_BYTES_LIMIT }), (n) => {
        return integerAbovePattern(n).length <= 200;
      }),
    );
  });

  it('uses only syntax WAF supports: no lookarounds, backreferences or shorthand classes', () => {
    expect(integerAbovePattern(4718592)).not.toMatch(/\(\?|\\[0-9dDsSwWbB]/);
  });
});
