import { describe, expect, test } from 'vitest';
import { chooseSnapshot, parseAt } from '../../../runtime/ops/select-snapshot.ts';
import { stampOf } from '../../../runtime/layout.ts';

const SET = ['2026-11-20_03-00-00', '2026-11-21_03-00-00', '2026-11-22_03-00-00', '2026-11-24_03-00-00'];

describe('parseAt', () => {
  test.each([
    ['2026-11-22', '2026-11-22_23-59-59'],
    ['2026-11-22 14:30', '2026-11-22_14-30-00'],
    ['2026-11-22T14:30:05', '2026-11-22_14-30-05'],
    ['2026-11-22_03-00-00', '2026-11-22_03-00-00'],
  ])('%s -> %s', (input, stamp) => {
    expect(stampOf(parseAt(input))).toBe(stamp);
  });

  test.each(['yesterday', '2026-13-01', '2026-02-30', '22/11/2026', ''])('rejects %j', (input) => {
    expect(() => parseAt(input)).toThrow(/--at .*expected a date/);
  });
});

describe('chooseSnapshot', () => {
  test.each([
    ['default is the newest', {}, '2026-11-24_03-00-00'],
    ['latest by name', { id: 'latest' }, '2026-11-24_03-00-00'],
    ['exact id', { id: '2026-11-21_03-00-00' }, '2026-11-21_03-00-00'],
    ['--at a day includes that night', { at: '2026-11-22' }, '2026-11-22_03-00-00'],
    ['--at before that night picks the one before', { at: '2026-11-22 02:59' }, '2026-11-21_03-00-00'],
    ['--at exactly at a snapshot picks it', { at: '2026-11-22 03:00' }, '2026-11-22_03-00-00'],
    ['--at in a gap picks the newest before', { at: '2026-11-23 12:00' }, '2026-11-22_03-00-00'],
    ['--at long after picks the newest', { at: '2030-01-01' }, '2026-11-24_03-00-00'],
  ])('%s', (_name, sel: { id?: string; at?: string }, want) => {
    const at = sel.at === undefined ? undefined : parseAt(sel.at);
    expect(chooseSnapshot(SET, ['2026-11-25_03-00-00.partial'], { id: sel.id, at })).toBe(want);
  });

  test.each([
    ['a partial by its name', { id: '2026-11-25_03-00-00.partial' }, /partial snapshot.*never restored/],
    ['a partial by its stamp', { id: '2026-11-25_03-00-00' }, /partial snapshot/],
    ['an unknown id', { id: '2026-11-23_03-00-00' }, /no snapshot "2026-11-23_03-00-00"; snapshots go from 2026-11-20_03-00-00 to 2026-11-24_03-00-00/],
    ['--at before the oldest', { at: parseAt('2026-11-19') }, /no snapshot at or before 2026-11-19_23-59-59/],
    ['both --at and --snapshot', { id: 'latest', at: parseAt('2026-11-22') }, /either --snapshot or --at/],
  ])('refuses %s', (_name, sel, message) => {
    expect(() => chooseSnapshot(SET, ['2026-11-25_03-00-00.partial'], sel)).toThrow(message);
  });

  test('an empty set says there is no complete snapshot, naming the partial', () => {
    expect(() => chooseSnapshot([], ['2026-11-25_03-00-00.partial'], {})).toThrow(/no complete snapshot yet \(only the partial 2026-11-25_03-00-00.partial\)/);
  });
});
