import { describe, expect, test } from 'vitest';
import { cronSchedule, nextCronRun } from '../../../runtime/ops/cron-next.ts';
import { parseRunLog } from '../../../runtime/ops/run-logs.ts';
import { stampOf } from '../../../runtime/layout.ts';

describe('nextCronRun (local time)', () => {
  const from = new Date(2026, 10, 25, 12, 0, 0); // Wednesday
  test.each([
    ['30 2 * * *', '2026-11-26_02-30-00'],
    ['0 13 * * *', '2026-11-25_13-00-00'],
    ['0 12 * * *', '2026-11-26_12-00-00'],
    ['30 2 * * 1-5', '2026-11-26_02-30-00'],
    ['30 2 * * 6,0', '2026-11-28_02-30-00'],
    ['30 2 * * 7', '2026-11-29_02-30-00'],
    ['*/15 * * * *', '2026-11-25_12-15-00'],
    ['@daily', '2026-11-26_00-00-00'],
    ['0 0 1 * *', '2026-12-01_00-00-00'],
  ])('%s', (expr, next) => {
    expect(stampOf(nextCronRun(expr, from)!)).toBe(next);
  });

  test.each(['61 2 * * *', 'x y z', '30 2 * *'])('%j cannot be read', (expr) => {
    expect(nextCronRun(expr, from)).toBeUndefined();
  });

  test('cronSchedule takes the time fields of the job line, skipping env lines and comments', () => {
    expect(cronSchedule('# Managed by linkdest\nSHELL=/bin/sh\nPATH=/usr/bin\n30 2 * * 1-5 root /usr/bin/node /x run\n')).toBe('30 2 * * 1-5');
  });
});

describe('parseRunLog', () => {
  const L = (level: string, msg: string): string => `2026-11-25T03:00:01.000Z ${level.padEnd(5)} ${msg}`;
  test('a finished run: status, snapshot, errors and warnings of the summary only', () => {
    const text = [L('info', 'linkdest run of h'), L('warn', 'rsync said something'), L('error', 'status: failed (exit 1), 3.0 s'),
      L('error', 'snapshot: /mnt/B/h/2026-11-25_03-00-02'), L('error', 'warning: VM x: not stopped'), L('error', 'error: guard: marker missing')].join('\n');
    expect(parseRunLog(text, false)).toEqual({
      state: 'failed', exitCode: 1, startedAt: '2026-11-25T03:00:01.000Z', snapshot: '/mnt/B/h/2026-11-25_03-00-02',
      errors: ['guard: marker missing'], warnings: ['VM x: not stopped'],
    });
  });

  test.each([
    [true, 'running'],
    [false, 'interrupted'],
  ])('no summary yet, lock held %s -> %s', (live, state) => {
    expect(parseRunLog(L('info', 'linkdest run of h'), live).state).toBe(state);
  });
});
