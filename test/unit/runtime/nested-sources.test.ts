import { describe, expect, test } from 'vitest';
import { copyOrder, innerSourceFilters, innerSources, literalPattern, sameDestination } from '../../../runtime/nested-sources.ts';

describe('nested sources (runtime/nested-sources.ts)', () => {
  test.each([
    [['/srv/data', '/srv', '/home'], [1, 2, 0]],
    [['/a', '/b'], [0, 1]],
    [['/srv/a/b', '/', '/srv'], [1, 2, 0]],
  ])('copy order of %j: outer first', (sources, order) => {
    expect(copyOrder(sources)).toEqual(order);
  });

  test.each([
    [['/srv', '/srv/data', '/srv/data/x', '/srvx'], 0, ['data', 'data/x']],
    [['/srv', '/srv/data'], 1, []],
    [['/', '/home', 'nas:/x'], 0, ['home', 'nas/x']],
    [['nas:/srv', 'nas:/srv/d'], 0, ['d']],
  ])('inside %j[%i]: %j', (sources, i, inner) => {
    expect(innerSources(sources, i)).toEqual(inner);
  });

  test('filters keep the directory, leave its contents; wildcards in names are literal', () => {
    expect(innerSourceFilters(['data', 'a[1]/*x'])).toEqual(['--include=/data', '--exclude=/data/*', '--include=/a\\[1]/\\*x', '--exclude=/a\\[1]/\\*x/*']);
    expect(literalPattern('back\\slash')).toBe('back\\slash');
  });

  test.each([
    [['/srv', '/srv/data'], undefined],
    [['/srv', '/srv/'], 'sources[0] /srv and sources[1] /srv/ would be copied to the same place in the snapshot (srv)'],
    [['/nas/x', 'nas:/x'], 'sources[0] /nas/x and sources[1] nas:/x would be copied to the same place in the snapshot (nas/x)'],
  ])('same destination %j', (sources, reason) => {
    expect(sameDestination(sources)).toBe(reason);
  });
});
