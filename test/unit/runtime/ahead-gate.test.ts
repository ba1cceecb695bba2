import { describe, expect, test } from 'vitest';
import { AheadGate, aheadStart, type SourceProgress } from '../../../runtime/manifest/ahead-gate.ts';
import type { SourceCoverage } from '../../../runtime/manifest/coverage.ts';

const cov = (sub: string): SourceCoverage => ({ sub, listings: [{ dir: '.', names: `L${sub.replace(/\//g, '_')}` }] });
const running = (sub: string): SourceProgress => ({ state: 'running', coverage: cov(sub) });
const copiedWith = (sub: string): SourceProgress => ({ state: 'copied', coverage: cov(sub) });
const mirrored: SourceProgress = { state: 'copied' };

describe('when the manifest merges beside rsync (runtime/manifest/ahead-gate.ts)', () => {
  test.each<[string, number, [number, SourceProgress][], boolean, string[] | undefined]>([
    ['one source, listed: starts', 1, [[0, running('h/a')]], false, ['h/a']],
    ['one source, not yet listed: waits', 1, [], false, undefined],
    ['one source copied already: nothing runs beside', 1, [[0, copiedWith('h/a')]], false, undefined],
    ['two sources, the second not started: waits (its directory may not exist)', 2, [[0, running('h/a')]], false, undefined],
    ['the first copied, the second listed: both listings', 2, [[0, copiedWith('h/a')], [1, running('h/b')]], false, ['h/a', 'h/b']],
    ['a mirrored copy finished, the other listed: the listed one only', 2, [[0, mirrored], [1, running('h/b')]], false, ['h/b']],
    ['two machines, both listed: both', 2, [[0, running('h/a')], [1, running('m/a')]], false, ['h/a', 'm/a']],
    ['every source copied: nothing runs beside', 2, [[0, copiedWith('h/a')], [1, mirrored]], false, undefined],
    ['an attempt failed: never', 2, [[0, copiedWith('h/a')], [1, running('h/b')]], true, undefined],
  ])('%s', (_name, count, progress, spoiled, subs) => {
    expect(aheadStart(count, new Map(progress), spoiled)?.map((c) => c.sub)).toEqual(subs);
  });

  test('the gate starts once, and a path is in flight only under a source whose rsync runs', () => {
    const starts: { subs: string[]; inFlight: (rel: string) => boolean }[] = [];
    const gate = new AheadGate(3, (c, inFlight) => starts.push({ subs: c.map((x) => x.sub), inFlight }));
    gate.copied(0, cov('h/srv'));
    gate.listed(1, cov('h/srv/data'));
    expect(starts).toEqual([]);
    gate.listed(2, cov('m/Apps'));
    expect(starts.map((s) => s.subs)).toEqual([['h/srv', 'h/srv/data', 'm/Apps']]);
    const { inFlight } = starts[0]!;
    expect(['h/srv/x', 'h/srv/data', 'h/srv/data/y', 'm/Apps/z', 'm', 'h/srv/database'].map(inFlight)).toEqual([false, true, true, true, false, false]);
    // A source that finishes is looked at directly from then on.
    gate.copied(2, cov('m/Apps'));
    expect(inFlight('m/Apps/z')).toBe(false);
    expect(starts).toHaveLength(1);
    expect(gate.spoiled).toBe(false);
    gate.failed();
    expect(gate.spoiled).toBe(true);
  });

  test('a failure before the start keeps it from starting', () => {
    let started = 0;
    const gate = new AheadGate(2, () => { started++; });
    gate.failed();
    gate.copied(0, undefined);
    gate.listed(1, cov('h/b'));
    expect(started).toBe(0);
  });
});
