/** A RunResult as a real nightly run would produce it; tests override what they look at. */
import type { RunResult } from '../../../runtime/run-result.ts';

/** 2026-11-26 03:00 local time, so subjects read the same in every time zone. */
export const STARTED = new Date(2026, 10, 26, 3, 0, 0);

export function runResult(over: Partial<RunResult> = {}): RunResult {
  return {
    host: 'gentoo',
    name: 'Apps',
    status: 'ok',
    startedAt: STARTED.toISOString(),
    finishedAt: new Date(STARTED.getTime() + 3_725_000).toISOString(),
    durationMs: 3_725_000,
    snapshot: '/mnt/Backup/Apps/2026-11-26_03-00-00',
    errors: [],
    warnings: [],
    stats: { files: 123_456, filesTransferred: 321, bytesTransferred: 5 * 1024 ** 3, filesLinked: 123_000, bytesLinked: 900 * 1024 ** 3, bytesTotal: 905 * 1024 ** 3 },
    spaceBefore: { freeBytes: 100 * 1024 ** 3, totalBytes: 2048 * 1024 ** 3, freeInodes: 5_000_000, totalInodes: 120_000_000 },
    spaceAfter: { freeBytes: 95 * 1024 ** 3, totalBytes: 2048 * 1024 ** 3, freeInodes: 4_990_000, totalInodes: 120_000_000 },
    pruned: [{ name: '2026-10-01_03-00-00', reason: 'space', ms: 65_000 }],
    snapshotCount: 57,
    vms: [{ domain: 'mailserver', initialState: 'running', wasRunning: true, stopped: true, restarted: true }],
    exitCode: 0,
    ...over,
  };
}
