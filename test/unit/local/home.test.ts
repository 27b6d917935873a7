import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { maasHome } from '../../../local/home.js';
import { ROOT } from '../../helpers/processes.js';

describe('MAAS_HOME', () => {
  it("defaults to the project's .maas from whatever folder maas runs in", () => {
    const cwd = process.cwd();
    try {
      process.chdir(join(ROOT, 'docs'));
      expect(maasHome({})).toBe(join(ROOT, '.maas'));
      expect(maasHome({ MAAS_HOME: '' })).toBe(join(ROOT, '.maas')); // empty is unset
      expect(maasHome({ MAAS_HOME: 'here' })).toBe(resolve('here')); // as given: from this folder
    } finally {
      process.chdir(cwd);
    }
  });
});
