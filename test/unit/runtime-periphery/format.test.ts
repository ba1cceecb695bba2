import { describe, expect, test } from 'vitest';
import { formatDuration, formatMail, formatSubject, formatSummary, shouldMail } from '../../../runtime/report/format.ts';
import { runResult } from './run-result-fixture.ts';

describe('shouldMail: rbme MAILSTYLE', () => {
  test.each([
    ['all', 'ok', true], ['all', 'failed', true],
    ['report', 'ok', true], ['report', 'warning', true],
    ['errors', 'ok', false], ['errors', 'warning', true], ['errors', 'failed', true], ['errors', 'skipped', true],
  ] as const)('%s on %s -> %s', (style, status, send) => {
    expect(shouldMail(style, status)).toBe(send);
  });
});

describe('formatSubject', () => {
  test.each([
    ['ok', 'linkdest gentoo Apps: ok (2026-11-26 03:00)'],
    ['warning', 'linkdest gentoo Apps: WARNING (2026-11-26 03:00)'],
    ['failed', 'linkdest gentoo Apps: FAILED (2026-11-26 03:00)'],
    ['skipped', 'linkdest gentoo Apps: SKIPPED (2026-11-26 03:00)'],
  ] as const)('%s', (status, subject) => {
    expect(formatSubject(runResult({ status }))).toBe(subject);
  });
});

test.each([
  [250, '250 ms'], [5_000, '5 s'], [65_000, '1 min 5 s'], [3_725_000, '1 h 2 min 5 s'], [7_200_000, '2 h'],
])('formatDuration(%i) = %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});

describe('formatSummary: the statistics in plain words', () => {
  test('a good night', () => {
    expect(formatSummary(runResult()).split('\n')).toEqual([
      'Backup Apps on gentoo: ok',
      `Started ${runResult().startedAt}, finished ${runResult().finishedAt}, took 1 h 2 min 5 s`,
      'Snapshot: /mnt/Backup/Apps/2026-11-26_03-00-00',
      'Files: 123,456 in the snapshot, 905.0 GiB in total',
      'Transferred: 321 files, 5.0 GiB',
      'Linked to the previous snapshot: 123,000 files, 900.0 GiB',
      'Free before: 100.0 GiB of 2.0 TiB, 5,000,000 of 120,000,000 inodes',
      'Free after: 95.0 GiB of 2.0 TiB, 4,990,000 of 120,000,000 inodes',
      'Pruned: 1 snapshot',
      '  2026-10-01_03-00-00 (space, 1 min 5 s)',
      'Snapshots kept: 57',
      'VM mailserver: was running, stopped, restarted',
    ]);
  });

  test('a skipped night says why, and which VM would not stop', () => {
    const text = formatSummary(runResult({
      status: 'skipped', snapshot: undefined, stats: undefined, spaceAfter: undefined, pruned: [],
      errors: ['VM mailserver did not shut down after 3 x 300 s (still running)'],
      vms: [{ domain: 'mailserver', initialState: 'running', wasRunning: true, stopped: false, restarted: false, error: 'did not shut down after 3 x 300 s (still running)' }],
    }));
    expect(text).toContain('Backup Apps on gentoo: SKIPPED');
    expect(text).toContain('Error: VM mailserver did not shut down after 3 x 300 s (still running)');
    expect(text).toContain('Pruned: none');
    expect(text).toContain('VM mailserver: was running, not stopped (error: did not shut down after 3 x 300 s (still running))');
    expect(text).not.toContain('Transferred');
    expect(text).not.toContain('Snapshot:');
  });
});

describe('formatMail per style', () => {
  const log = '2026-11-26T03:00:01 info rsync started\n2026-11-26T03:59:00 warn file vanished: /Apps/tmp/x';
  test.each([
    ['all', true], ['errors', true], ['report', false],
  ] as const)('%s: log included = %s', (style, withLog) => {
    const m = formatMail(runResult({ status: 'warning' }), style, log);
    expect(m.subject).toBe('linkdest gentoo Apps: WARNING (2026-11-26 03:00)');
    expect(m.text.startsWith('Backup Apps on gentoo: WARNING\n')).toBe(true);
    expect(m.text.includes('warn file vanished: /Apps/tmp/x')).toBe(withLog);
    expect(m.text.endsWith('\n')).toBe(true);
  });
});
