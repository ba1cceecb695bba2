import { describe, expect, test } from 'vitest';
import { planSplit } from '../../../runtime/engine/split-plan.ts';
import { firstCopySplit } from '../../../runtime/engine/fast-path.ts';
import type { SurveyNode } from '../../../runtime/engine/split-survey.ts';

const file = (path: string, weight: number, linked: string[] = []): SurveyNode => ({ path, dir: false, weight, linked });
const dir = (path: string, weight: number, children?: SurveyNode[], linked: string[] = []): SurveyNode => ({ path, dir: true, weight, linked, ...(children ? { children } : {}) });

describe('a first copy cut into concurrent passes (runtime/engine/split-plan.ts)', () => {
  test('units go heaviest first to the lightest pass', () => {
    const plan = planSplit({ top: [dir('a', 50), dir('b', 30), dir('c', 20), file('f', 10)], flat: [] }, 2, false);
    expect(plan).toEqual({ passes: [['a', 'f'], ['b', 'c']], split: [], alone: [] });
  });

  test('entries sharing an inode (a hard-link group) stay in one pass, however the weights fall', () => {
    const plan = planSplit({ top: [dir('a', 50, undefined, ['1:7']), dir('b', 50), file('f', 1, ['1:7']), dir('c', 50, undefined, ['1:9']), dir('d', 1, undefined, ['1:9'])], flat: [] }, 3, false)!;
    const passOf = (p: string): number => plan.passes.findIndex((x) => x.includes(p));
    expect(passOf('a')).toBe(passOf('f'));
    expect(passOf('c')).toBe(passOf('d'));
    expect(plan.passes.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'f']);
  });

  test('a heavy directory is split into its children when allowed; it is created first and copied alone after', () => {
    const top = [dir('home', 100, [dir('home/u1', 40), dir('home/u2', 40), file('home/x', 19)]), file('f', 1)];
    const plan = planSplit({ top, flat: [] }, 2, true);
    expect(plan).toEqual({ passes: [['home/u1', 'home/x'], ['home/u2', 'f']], split: ['home'], alone: ['home'] });
  });

  test('never split: with filters (mayExpand false), a directory holding a multiply-linked file', () => {
    const top = [dir('home', 100, [dir('home/u1', 50), dir('home/u2', 49)]), file('f', 1)];
    expect(planSplit({ top, flat: [] }, 2, false)).toEqual({ passes: [['home'], ['f']], split: [], alone: [] });
    const linked = [dir('home', 100, [dir('home/u1', 50), dir('home/u2', 49)], ['1:1']), file('f', 1)];
    expect(planSplit({ top: linked, flat: [] }, 2, true)).toEqual({ passes: [['home'], ['f']], split: [], alone: [] });
  });

  test('directories on another filesystem are copied alone, also below a split one', () => {
    const top = [dir('srv', 100, [dir('srv/a', 50), dir('srv/b', 49), { ...dir('srv/mnt', 1), otherFs: true }]), file('f', 1)];
    expect(planSplit({ top, flat: ['proc'] }, 2, true)).toEqual({ passes: [['srv/a'], ['srv/b', 'f']], split: ['srv'], alone: ['srv', 'proc', 'srv/mnt'] });
  });

  test('one unit of work: no split (the single mirror copies it)', () => {
    expect(planSplit({ top: [dir('only', 10)], flat: [] }, 2, false)).toBeUndefined();
    expect(planSplit({ top: [], flat: ['m'] }, 2, true)).toBeUndefined();
  });
});

describe('when a first copy runs as concurrent passes (fast-path.ts firstCopySplit)', () => {
  const ok = { remote: false, destDirty: false, prevIsDir: false, extraArgs: [], filters: 0, cores: 2 };
  test.each([
    ['a local source, no previous copy, 2 cores', ok, { split: true, passes: 3, mayExpand: true }],
    ['with excludes: only whole top-level entries', { ...ok, filters: 2 }, { split: true, passes: 3, mayExpand: false }],
    ['many cores: at most 4 passes', { ...ok, cores: 16 }, { split: true, passes: 4, mayExpand: true }],
    ['a previous copy', { ...ok, prevIsDir: true }, { split: false, reason: 'a previous copy exists' }],
    ['remote', { ...ok, remote: true }, { split: false, reason: 'a remote source' }],
    ['a resumed partial', { ...ok, destDirty: true }, { split: false, reason: 'the destination already holds files' }],
    ['one core', { ...ok, cores: 1 }, { split: false, reason: 'one core' }],
    ['a filter in extra_args', { ...ok, extraArgs: ['--filter=- x'] }, { split: false, reason: 'rsync.extra_args has --filter, which the pre-link pass does not know to be safe' }],
  ])('%s', (_name, input, decision) => {
    expect(firstCopySplit(input)).toEqual(decision);
  });
});

describe('names that are not UTF-8 (split-plan.ts)', () => {
  test('an opaque entry (its links unknown) shares a pass with every entry holding a multiply-linked file; the others spread', () => {
    const odd = Buffer.from([0xff, 0x66]);
    const top = [{ ...dir('x', 10), opaque: true }, { path: odd, dir: false, weight: 10, linked: [], opaque: true }, dir('a', 10, undefined, ['1:1']), dir('b', 40), dir('c', 40)];
    const plan = planSplit({ top, flat: [] }, 3, true)!;
    const passOf = (p: string | Buffer): number => plan.passes.findIndex((x) => x.some((y) => (typeof y === 'string' ? y === p : Buffer.isBuffer(p) && y.equals(p))));
    expect(passOf('x')).toBe(passOf(odd));
    expect(passOf('x')).toBe(passOf('a'));
    expect(new Set([passOf('b'), passOf('c'), passOf('x')]).size).toBe(3);
  });

  test('an opaque directory is never split', () => {
    const top = [{ ...dir('home', 100, [dir('home/u1', 50), dir('home/u2', 49)]), opaque: true }, file('f', 1)];
    expect(planSplit({ top, flat: [] }, 2, true)).toEqual({ passes: [['home'], ['f']], split: [], alone: [] });
  });
});
