/**
 * What `linkdest status` and `linkdest snapshots` show of one host, gathered on the host in
 * one go: the snapshots with their figures, free space and inodes, the last run's result
 * (from state_dir/last-run.json or its log, so a run that failed before writing a snapshot
 * is seen too), the next scheduled run, whether the disk was mounted, and the runtime's version.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import type { RuntimeConfig } from '../config.ts';
import { EXIT, LinkdestError } from '../errors.ts';
import { run } from '../exec.ts';
import { listSet, parseStamp, readMetadata, setDir } from '../layout.ts';
import type { Logger } from '../logger.ts';
import type { SpaceInfo } from '../run-result.ts';
import { isMountPoint } from '../mount.ts';
import { readPins } from '../pins.ts';
import { suspectSnapshots } from '../suspect.ts';
import { spaceOf } from '../space.ts';
import { runningPid, withDestination } from './access.ts';
import { cronSchedule, nextCronRun } from './cron-next.ts';
import { readLastRun, recordIsCurrent, summaryOfRecord } from './last-run.ts';
import { runLogFiles, summarizeRun, type RunSummary } from './run-logs.ts';
import { RUNTIME_VERSION } from './version.ts';
import type { DiskState } from '../disks/disk-states.ts';
import { rotationDisksNow } from '../disks/overview-disks.ts';
import { parseMarker } from '../disks/marker-content.ts';

export const CRON_FILE = '/etc/cron.d/linkdest';

export interface SnapshotRow {
  name: string;
  /** ISO time the snapshot was taken (from its name, host local time). */
  time: string;
  status?: string;
  files?: number;
  bytesTotal?: number;
  /** Space the snapshot took on the disk (what it added). */
  bytesAdded?: number;
  durationMs?: number;
  /** Free space and inodes on the destination when the snapshot was done (its metadata's spaceAfter). */
  freeBytes?: number;
  freeInodes?: number;
  warnings?: string[];
  /** Pinned (runtime/pins.ts): never pruned. */
  pinned?: boolean;
  pinNote?: string;
  /** Why the emptied-source guard flagged it, unless accepted (runtime/suspect.ts). */
  suspect?: string[];
}

export interface Schedule {
  kind: 'systemd' | 'cron' | 'none';
  /** ISO time of the next run, when known. */
  next?: string;
  detail?: string;
}

export interface Overview {
  version: string;
  host: string;
  destination: string;
  set: string;
  /** Mounted before we looked (a disk mounted only for a run is normally unmounted). */
  mounted: boolean;
  /** Why the snapshots could not be read (disk missing, marker missing...). */
  error?: string;
  space?: SpaceInfo;
  snapshots?: SnapshotRow[];
  partials?: string[];
  running?: number;
  lastRun?: RunSummary;
  /** Newest successful snapshot according to the runs' records (see last-run.ts). */
  lastSuccess?: SnapshotRow;
  schedule: Schedule;
  /** Rotation hosts: every enrolled disk (docs/rotation.md). */
  disks?: DiskState[];
  /** Rotation: the longest a disk may stay away, seconds. */
  maxAbsenceS?: number;
  /** The disk id its marker names (an enrolled rotation disk, or a usb disk adopted by one). */
  markerDiskId?: string;
}

export async function snapshotRows(dir: string): Promise<{ rows: SnapshotRow[]; partials: string[] }> {
  const l = await listSet(dir);
  const pins = await readPins(dir);
  const suspect = await suspectSnapshots(dir, l.complete);
  const rows = await Promise.all(l.complete.map(async (name): Promise<SnapshotRow> => {
    const m = await readMetadata(join(dir, name));
    const pin = pins.get(name);
    const row: SnapshotRow = { name, time: parseStamp(name)!.toISOString(), ...(pin ? { pinned: true, ...(pin.note !== undefined ? { pinNote: pin.note } : {}) } : {}) };
    if (m) {
      Object.assign(row, {
        status: m.status, files: m.stats.files, bytesTotal: m.stats.bytesTotal, durationMs: m.stats.durationMs, warnings: m.warnings,
        ...(m.stats.bytesUsed !== undefined ? { bytesAdded: m.stats.bytesUsed } : {}),
        ...(m.spaceAfter ? { freeBytes: m.spaceAfter.freeBytes, freeInodes: m.spaceAfter.freeInodes } : {}),
        ...(suspect.has(name) ? { suspect: suspect.get(name) } : {}),
      });
    }
    return row;
  }));
  return { rows, partials: l.partials };
}

/**
 * `@1764210600` (systemd >= 253 with --timestamp=unix) or `Fri 2026-11-27 02:30:00 CET`
 * (systemd 252 ignores --timestamp for show): the latter read by date(1), which knows the
 * host's zone abbreviations.
 */
async function timerTime(value: string): Promise<Date | undefined> {
  const unix = /^@(\d+)/.exec(value);
  if (unix) return new Date(Number(unix[1]) * 1000);
  if (value === '' || value === 'n/a' || value === '0') return undefined;
  const r = await run(['date', '-d', value, '+%s']);
  return r.code === 0 && /^\d+$/.test(r.stdout.trim()) ? new Date(Number(r.stdout.trim()) * 1000) : undefined;
}

/** systemd's NextElapseUSecRealtime (as `@unix`), or the cron line's next time. */
export async function readSchedule(now = new Date()): Promise<Schedule> {
  if (existsSync('/run/systemd/system')) {
    const r = await run(['systemctl', 'show', 'linkdest.timer', '--timestamp=unix', '-p', 'NextElapseUSecRealtime', '-p', 'ActiveState', '-p', 'LoadState']);
    const props = Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    if (props.LoadState !== 'loaded') return { kind: 'none', detail: 'linkdest.timer is not installed' };
    if (props.ActiveState !== 'active') return { kind: 'systemd', detail: `linkdest.timer is ${props.ActiveState ?? 'unknown'}` };
    const next = await timerTime(props.NextElapseUSecRealtime ?? '');
    return next ? { kind: 'systemd', next: next.toISOString() } : { kind: 'systemd', detail: 'no next run scheduled' };
  }
  const text = await readFile(CRON_FILE, 'utf8').catch(() => undefined);
  if (text === undefined) return { kind: 'none', detail: `no systemd and no ${CRON_FILE}` };
  const expr = cronSchedule(text);
  const next = expr === undefined ? undefined : nextCronRun(expr, now);
  return next ? { kind: 'cron', next: next.toISOString(), detail: expr } : { kind: 'cron', detail: `cannot read the schedule in ${CRON_FILE}` };
}

/** The record the last run left in state_dir; the newest log's summary when that is newer or there is none. */
export async function lastRun(cfg: RuntimeConfig): Promise<RunSummary | undefined> {
  const files = await runLogFiles(cfg.log.dir);
  const last = files[files.length - 1];
  const live = runningPid(cfg) !== undefined;
  const rec = await readLastRun(cfg.state_dir);
  if (rec && recordIsCurrent(rec, last, live)) return summaryOfRecord(rec);
  return last === undefined ? undefined : summarizeRun(cfg.log.dir, last, live);
}

/** Never throws for an unreadable destination: that becomes `error`, the rest is still reported. */
export async function gatherOverview(cfg: RuntimeConfig, log: Logger): Promise<Overview> {
  const dir = setDir(cfg);
  const o: Overview = {
    version: RUNTIME_VERSION, host: hostname(), destination: cfg.destination.path, set: dir, mounted: false,
    schedule: await readSchedule(), running: runningPid(cfg),
  };
  const last = await lastRun(cfg);
  if (last) o.lastRun = last;
  const success = (await readLastRun(cfg.state_dir))?.lastSuccess;
  const stamp = success ? parseStamp(basename(success.snapshot)) : undefined;
  if (success && stamp) o.lastSuccess = { name: basename(success.snapshot), time: stamp.toISOString(), status: 'ok' };
  if (cfg.destination.disks) {
    o.disks = await rotationDisksNow(cfg);
    o.maxAbsenceS = cfg.destination.rotation?.max_absence_seconds ?? 14 * 86400;
  }
  try {
    o.mounted = await isMountPoint(cfg.destination.path);
    await withDestination(cfg, { log }, async () => {
      const s = await snapshotRows(dir);
      o.snapshots = s.rows;
      o.partials = s.partials;
      o.space = await spaceOf(existsSync(dir) ? dir : cfg.destination.path);
      const id = parseMarker(await readFile(join(cfg.destination.path, cfg.destination.marker), 'utf8').catch(() => '')).diskId;
      if (id !== undefined) o.markerDiskId = id;
    });
  } catch (e) {
    // A run that has (or is about to take) the disk is no error: status says running.
    o.running ??= runningPid(cfg);
    if (e instanceof LinkdestError && e.exitCode === EXIT.locked && o.running !== undefined) return o;
    o.error = e instanceof LinkdestError ? e.oneLine() : (e as Error).message;
  }
  return o;
}
