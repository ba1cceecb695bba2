/**
 * Age thinning against a real directory of snapshots with fabricated names (three months
 * of nightly runs), through the host CLI's `prune`: what stays is the newest of each of
 * the last N days, weeks (Monday to Sunday) and months; everything else is deleted for
 * real, and what is not a snapshot is never touched.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runConfig } from './support/run-config.ts';

const root = join(import.meta.dirname, '../../..');
const pad = (n: number): string => String(n).padStart(2, '0');

describe('thinning a real snapshot directory with `prune`', () => {
  let work: string;
  let set: string;
  let config: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-thin-'));
    const dest = join(work, 'dest');
    set = join(dest, 'set');
    mkdirSync(set, { recursive: true });
    writeFileSync(join(dest, '.linkdest-backup'), '');
    // Every night at 03:00 from 1 January to 31 March 2026, and a second run on 31 March.
    for (let d = new Date(2026, 0, 1); d <= new Date(2026, 2, 31); d.setDate(d.getDate() + 1)) {
      const name = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_03-00-00`;
      mkdirSync(join(set, name, 'Apps'), { recursive: true });
      writeFileSync(join(set, name, 'Apps', 'file'), name);
    }
    mkdirSync(join(set, '2026-03-31_15-00-00'));
    symlinkSync('2026-03-31_15-00-00', join(set, 'latest'));
    mkdirSync(join(set, '2026-04-01_03-00-00.partial'));
    mkdirSync(join(set, 'notes'));
    const cfg = runConfig(work, dest, ['/Apps'], {
      retention: { keep_min: 2, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0, thin: { daily: 7, weekly: 4, monthly: 3 } },
    });
    config = join(work, 'linkdest.json');
    writeFileSync(config, JSON.stringify(cfg));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, ...args], { cwd: root, encoding: 'utf8' });

  // 31 March 2026 is a Tuesday: its week runs Monday 30 March to Sunday 5 April.
  const KEPT = [
    '2026-01-31_03-00-00', // monthly: January
    '2026-02-28_03-00-00', // monthly: February
    '2026-03-15_03-00-00', // weekly: 9-15 March
    '2026-03-22_03-00-00', // weekly: 16-22 March
    '2026-03-25_03-00-00', '2026-03-26_03-00-00', '2026-03-27_03-00-00', '2026-03-28_03-00-00', // daily
    '2026-03-29_03-00-00', // daily, and weekly: 23-29 March
    '2026-03-30_03-00-00', // daily
    '2026-03-31_15-00-00', // daily, weekly and monthly; 31 March's 03:00 run is not the newest of that day
  ];

  test('--dry-run names what would go and deletes nothing', () => {
    const r = cli('prune', '--dry-run');
    expect(r.status, r.stderr).toBe(0);
    const would = r.stdout.split('\n').filter((l) => l.startsWith('would delete ')).map((l) => l.split(' ')[2]);
    expect(would).toHaveLength(91 - KEPT.length);
    expect(would).toContain('2026-03-31_03-00-00');
    expect(would.filter((n) => KEPT.includes(n!))).toEqual([]);
    expect(readdirSync(set).filter((n) => /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/.test(n))).toHaveLength(91);
  });

  test('prune keeps the newest of the last 7 days, 4 weeks and 3 months and deletes the rest', () => {
    const r = cli('prune');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^deleting snapshot \S+ \(thinning\)$/gm)).toHaveLength(91 - KEPT.length);
    expect(readdirSync(set).sort()).toEqual([...KEPT, '2026-04-01_03-00-00.partial', 'latest', 'notes'].sort());
    expect(existsSync(join(set, KEPT[0]!, 'Apps', 'file'))).toBe(true);
    // A second prune finds nothing more to do.
    expect(cli('prune').stdout).toContain('nothing to prune');
  });
});
