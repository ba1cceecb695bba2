import { describe, expect, test } from 'vitest';
import { parsePartxShow, planPartitions } from '../../testbed/partition-plan.ts';

const p = (nr: number, start: number, sectors: number) => ({ nr, start, sectors });

describe('which partitions the udev stand-in tells the kernel about', () => {
  test.each([
    { name: 'unchanged table: touch nothing', disk: [p(1, 2048, 1000)], kernel: [p(1, 2048, 1000)], remove: [], add: [] },
    { name: 'new table', disk: [p(1, 2048, 1000), p(2, 3048, 500)], kernel: [], remove: [], add: [1, 2] },
    { name: 'one partition added', disk: [p(1, 2048, 1000), p(2, 3048, 500)], kernel: [p(1, 2048, 1000)], remove: [], add: [2] },
    { name: 'partition resized', disk: [p(1, 2048, 2000)], kernel: [p(1, 2048, 1000)], remove: [1], add: [1] },
    { name: 'table wiped', disk: [], kernel: [p(2, 9, 9), p(1, 2048, 1000)], remove: [1, 2], add: [] },
  ])('$name', ({ disk, kernel, remove, add }) => {
    expect(planPartitions(disk, kernel)).toEqual({ remove, add });
  });

  test('parses partx --show output', () => {
    expect(parsePartxShow(' 1  2048   59392\n 2 61440   69599\n')).toEqual([p(1, 2048, 59392), p(2, 61440, 69599)]);
    expect(parsePartxShow('')).toEqual([]);
  });
});
