import { describe, expect, test } from 'vitest';
import { distinctVersions, groupVersions, type Observation } from '../../../runtime/ops/history.ts';

const file = (key: string, size = 10): Observation['entry'] => ({ key, type: 'file', size, mtimeMs: 0 });
const obs = (keys: (string | undefined)[]): Observation[] => keys.map((k, i) => ({ snapshot: `s${i + 1}`, ...(k ? { entry: file(k) } : {}) }));
const shape = (keys: (string | undefined)[]): string =>
  groupVersions(obs(keys)).map((i) => `${i.version}:${i.from}-${i.to}`).join(' ');

describe('groupVersions', () => {
  test.each([
    ['one unchanged version', ['a', 'a', 'a'], '1:s1-s3', 1],
    ['changed twice', ['a', 'a', 'b', 'c', 'c'], '1:s1-s2 2:s3-s3 3:s4-s5', 3],
    ['deleted then restored as a new file', ['a', undefined, undefined, 'b'], '1:s1-s1 0:s2-s3 2:s4-s4', 2],
    ['the same inode again after a gap is the same version', ['a', undefined, 'a'], '1:s1-s1 0:s2-s2 1:s3-s3', 1],
    ['created later: no leading absence', [undefined, undefined, 'a', 'a'], '1:s3-s4', 1],
    ['deleted at the end', ['a', 'b', undefined], '1:s1-s1 2:s2-s2 0:s3-s3', 2],
    ['never there', [undefined, undefined], '', 0],
  ])('%s', (_name, keys, want, versions) => {
    expect(shape(keys)).toBe(want);
    expect(distinctVersions(groupVersions(obs(keys)))).toBe(versions);
  });
});
