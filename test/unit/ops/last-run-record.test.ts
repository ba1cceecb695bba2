import { describe, expect, test } from 'vitest';
import {
  hideHookArguments, lastRunRecord, parseLastRun, recordIsCurrent, summaryOfRecord, type LastRunRecord,
} from '../../../runtime/ops/last-run.ts';
import type { RunResult } from '../../../runtime/run-result.ts';

const LOG = '/var/log/linkdest/linkdest-2026-11-24_03-00-00.log';
const rec = (over: Partial<LastRunRecord> = {}): LastRunRecord => ({
  format: 1, host: 'marte', name: 'marte', status: 'ok', exitCode: 0, startedAt: '2026-11-24T02:00:00.000Z',
  finishedAt: '2026-11-24T02:10:00.000Z', durationMs: 600_000, errors: [], warnings: [], logFile: LOG, ...over,
});

describe('recordIsCurrent: the record or the newest log tells the last run', () => {
  test.each([
    ['record of the newest log', rec(), 'linkdest-2026-11-24_03-00-00.log', false, true],
    ['a newer log without record (killed -9, or an old runtime wrote it)', rec(), 'linkdest-2026-11-25_03-00-00.log', false, false],
    ['a second run in the same second is newer', rec(), 'linkdest-2026-11-24_03-00-00-1.log', false, false],
    ['the record is newer than every log (logs rotated or removed)', rec(), 'linkdest-2026-11-20_03-00-00.log', false, true],
    ['no logs at all', rec(), undefined, false, true],
    ['a run holds the lock: its log is the truth', rec(), 'linkdest-2026-11-24_03-00-00.log', true, false],
    ['no record (runtime predates it)', undefined, 'linkdest-2026-11-24_03-00-00.log', false, false],
    ['record without a log file', rec({ logFile: undefined }), 'linkdest-2026-11-25_03-00-00.log', false, true],
  ])('%s', (_, r, newest, live, expected) => {
    expect(recordIsCurrent(r, newest, live)).toBe(expected);
  });
});

describe('hideHookArguments: the world-readable record never repeats hook arguments', () => {
  const hooks = [['/usr/local/bin/dump', '--password=s3cret', 'db'], ['/bin/true'], ['sh', '-c', 'exit 3']];
  test.each([
    ['hook /usr/local/bin/dump --password=s3cret db failed (exit 3): backup skipped', 'hook /usr/local/bin/dump (arguments in the log) failed (exit 3): backup skipped'],
    ['hook sh -c exit 3: cannot run: ENOENT', 'hook sh (arguments in the log): cannot run: ENOENT'],
    ['hook /bin/true failed (signal SIGKILL)', 'hook /bin/true failed (signal SIGKILL)'],
    ['rsync exited 23: some files vanished', 'rsync exited 23: some files vanished'],
  ])('%s', (line, expected) => {
    expect(hideHookArguments([line], hooks)).toEqual([expected]);
  });
});

describe('lastRunRecord: the fields status needs, nothing else', () => {
  test('from a skipped run with a secret in its hook', () => {
    const r: RunResult = {
      host: 'marte', name: 'marte', status: 'skipped', startedAt: 'a', finishedAt: 'b', durationMs: 5,
      errors: ['hook dump -pX failed (exit 1): backup skipped'], warnings: [], pruned: [], snapshotCount: 3, vms: [], logFile: LOG, exitCode: 1,
      stats: { files: 1, filesTransferred: 1, bytesTransferred: 1, filesLinked: 0, bytesLinked: 0, bytesTotal: 1 },
    };
    const out = lastRunRecord(r, [['dump', '-pX']]);
    expect(out).toEqual({
      format: 1, host: 'marte', name: 'marte', status: 'skipped', exitCode: 1, startedAt: 'a', finishedAt: 'b', durationMs: 5,
      errors: ['hook dump (arguments in the log) failed (exit 1): backup skipped'], warnings: [], logFile: LOG,
    });
    expect(JSON.stringify(out)).not.toContain('-pX');
  });
});

describe('lastRunRecord: the last success is carried over until a newer one replaces it', () => {
  const result = (status: RunResult['status'], snapshot?: string): RunResult => ({
    host: 'h', name: 'h', status, startedAt: 's', finishedAt: `end-${status}`, durationMs: 1, errors: [], warnings: [],
    pruned: [], snapshotCount: 1, vms: [], exitCode: 0, ...(snapshot ? { snapshot } : {}),
  });
  const before = rec({ lastSuccess: { snapshot: '/d/h/2026-11-23_03-00-00', finishedAt: 'old' } });
  test.each([
    ['ok with a snapshot replaces it', result('ok', '/d/h/2026-11-24_03-00-00'), before, { snapshot: '/d/h/2026-11-24_03-00-00', finishedAt: 'end-ok' }],
    ['warning with a snapshot replaces it', result('warning', '/d/h/2026-11-24_03-00-00'), before, { snapshot: '/d/h/2026-11-24_03-00-00', finishedAt: 'end-warning' }],
    ['failed keeps the previous', result('failed'), before, before.lastSuccess],
    ['skipped keeps the previous', result('skipped'), before, before.lastSuccess],
    ['failed with nothing before: none', result('failed'), undefined, undefined],
  ])('%s', (_, r, previous, expected) => {
    expect(lastRunRecord(r, [], previous).lastSuccess).toEqual(expected);
  });
});

describe('parseLastRun: damaged or foreign files are no record', () => {
  test.each([
    ['a good record', JSON.stringify(rec({ status: 'failed', exitCode: 1, errors: ['guard: no disk'] })), 'failed'],
    ['half written', JSON.stringify(rec()).slice(0, 40), undefined],
    ['another format', JSON.stringify({ ...rec(), format: 2 }), undefined],
    ['an unknown status', JSON.stringify(rec({ status: 'weird' as never })), undefined],
    ['errors not a list', JSON.stringify({ ...rec(), errors: 'x' }), undefined],
    ['null', 'null', undefined],
  ])('%s', (_, text, status) => {
    expect(parseLastRun(text)?.status).toBe(status);
  });
});

test('summaryOfRecord: the run id is the log stamp, as in logs --list', () => {
  expect(summaryOfRecord(rec({ status: 'warning', exitCode: 2, warnings: ['w'], snapshot: '/mnt/Backup/marte/2026-11-24_03-00-00' }))).toEqual({
    id: '2026-11-24_03-00-00', file: LOG, state: 'warning', exitCode: 2, startedAt: '2026-11-24T02:00:00.000Z',
    finishedAt: '2026-11-24T02:10:00.000Z', errors: [], warnings: ['w'], snapshot: '/mnt/Backup/marte/2026-11-24_03-00-00', from: 'record',
  });
});
