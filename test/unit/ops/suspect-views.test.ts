/** Suspect snapshots in the day-two views: `snapshots` and `history` say so. */
import { expect, test } from 'vitest';
import { formatHistory, formatSnapshots } from '../../../runtime/ops/format.ts';

test('snapshots: a suspect snapshot shows SUSPECT and the reason instead of its first warning', () => {
  const text = formatSnapshots([
    { name: '2026-12-01_03-00-00', time: '', status: 'ok', files: 49_001 },
    { name: '2026-12-02_03-00-00', time: '', status: 'warning', files: 1, warnings: ['suspect snapshot ...'], suspect: ['/srv: an empty directory where 2026-12-01_03-00-00 held 49000 entries (800.0 MiB): is its disk or share not mounted?'] },
  ]);
  const lines = text.trim().split('\n');
  expect(lines[1]).toMatch(/^2026-12-01_03-00-00 +ok +49001/);
  expect(lines[2]).toMatch(/^2026-12-02_03-00-00 +SUSPECT +1 .*\/srv: an empty directory where 2026-12-01_03-00-00 held 49000 entries/);
});

test('history: a stretch that holds a suspect snapshot is flagged (an absence there may be an unmounted source)', () => {
  const text = formatHistory({
    path: '/srv/a.txt',
    suspect: ['2026-12-02_03-00-00'],
    items: [
      { version: 1, type: 'file', size: 10, mtimeMs: 0, from: '2026-11-30_03-00-00', to: '2026-12-01_03-00-00', snapshots: 2 },
      { version: 0, from: '2026-12-02_03-00-00', to: '2026-12-02_03-00-00', snapshots: 1 },
      { version: 1, type: 'file', size: 10, mtimeMs: 0, from: '2026-12-03_03-00-00', to: '2026-12-03_03-00-00', snapshots: 1 },
    ],
  });
  const lines = text.trim().split('\n');
  expect(lines.filter((l) => l.includes('SUSPECT'))).toEqual([expect.stringMatching(/^- +2026-12-02_03-00-00 +2026-12-02_03-00-00 +1 +\(absent\) +\(SUSPECT snapshot: its source came up empty or shrank\)$/)]);
});
