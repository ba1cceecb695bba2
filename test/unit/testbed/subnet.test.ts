import { describe, expect, test } from 'vitest';
import { overlaps, pickSubnet, routePrefixes } from '../../testbed/subnet.ts';

describe('test bed subnet choice', () => {
  test.each([
    ['10.234.0.0/24', '10.234.0.0/24', true],
    ['10.234.1.0/24', '10.234.0.0/24', false],
    ['10.234.5.0/24', '10.0.0.0/8', true],
    ['10.234.5.0/24', '10.234.5.77/32', true],
    ['10.234.5.0/24', '192.168.1.0/24', false],
    ['10.234.5.0/24', '0.0.0.0/0', false],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
  });

  test.each([
    { taken: [], routes: [], y: 0 },
    { taken: [0, 1], routes: [], y: 2 },
    { taken: [0], routes: ['10.234.1.0/24'], y: 2 },
    { taken: [], routes: ['10.234.0.0/23'], y: 2 },
  ])('taken $taken, routes $routes -> 10.234.$y.0/24', ({ taken, routes, y }) => {
    expect(pickSubnet(taken, routes)).toBe(y);
  });

  test('a machine route over all of 10.234/16 leaves nothing to pick', () => {
    expect(() => pickSubnet([], ['10.234.0.0/16'])).toThrow(/no free/);
  });

  test('reads prefixes from ip route and ip addr output', () => {
    const out = [
      'default via 192.0.2.1 dev eth0',
      '192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1',
      '2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0',
    ].join('\n');
    expect(routePrefixes(out)).toEqual(
      expect.arrayContaining(['192.0.2.0/24', '127.0.0.1/32', '192.0.2.2/24']),
    );
  });
});
