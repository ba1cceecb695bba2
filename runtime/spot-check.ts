/**
 * The spot check against the source (spot-rules.ts decides): after the copy, before the
 * commit, (1) the source's entry count, listed by rsync itself with the engine's own
 * filters (excludes, -x, nested sources) in a dry run, against the census of the copy;
 * (2) a random sample of the copied regular files compared byte for byte with the source.
 * An independent look: it does not trust the engine's own statistics or its pre-link pass.
 * A file the run raced with (changed since the run started) is skipped, never an alarm.
 * A pulled source's sample is compared by the source host's own rsync (spot-check-remote.ts):
 * nothing new runs there, and its restricted key allows it.
 */
import { lstat, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from './logger.ts';
import type { Census } from './snapshot-census.ts';
import { baseArgs, type RsyncFlags } from './engine/rsync-args.ts';
import { remoteSourceArg } from './engine/remote-args.ts';
import { runRsync } from './engine/run-rsync.ts';
import { parseRsyncStats } from './engine/rsync-output.ts';
import { changedDuringRun, countBreach } from './spot-rules.ts';
import { compareRemoteSample } from './spot-check-remote.ts';

export interface SpotRequest {
  source: string;
  /** The source's copy in the new snapshot. */
  dest: string;
  flags: RsyncFlags;
  census: Census;
  runStartMs: number;
  tolerancePct: number;
  signal?: AbortSignal;
}

export interface SampleComparison {
  compared: number;
  skipped: number;
  /** `path (why)`, the source's path in front. */
  differ: string[];
}

export interface SpotOutcome {
  /** One line each, files named. */
  findings: string[];
  compared: number;
  /** Sampled files the run raced with. */
  skipped: number;
}

const CHUNK = 1 << 18;
/** Read buffers, allocated once: a fresh zero-filled pair per sampled file cost more than the reads. */
const bufA = Buffer.allocUnsafe(CHUNK);
const bufB = Buffer.allocUnsafe(CHUNK);
const MAX_NAMED = 20;

/** Offset of the first differing byte, or -1 when the files are equal. */
async function firstDifference(a: Buffer, b: Buffer): Promise<number> {
  const [fa, fb] = [await open(a, 'r'), await open(b, 'r')];
  try {
    const [ba, bb] = [bufA, bufB];
    for (let pos = 0; ;) {
      const [ra, rb] = [await fa.read(ba, 0, CHUNK, pos), await fb.read(bb, 0, CHUNK, pos)];
      const n = Math.min(ra.bytesRead, rb.bytesRead);
      if (ba.compare(bb, 0, n, 0, n) !== 0) for (let i = 0; i < n; i++) if (ba[i] !== bb[i]) return pos + i;
      if (ra.bytesRead !== rb.bytesRead) return pos + n;
      if (n === 0) return -1;
      pos += n;
    }
  } finally {
    await fa.close();
    await fb.close();
  }
}

/** The source's entry count as the engine's rsync sees it (dry run into an empty directory), or undefined. */
async function sourceCount(req: SpotRequest, log: Logger): Promise<number | undefined> {
  const empty = await mkdtemp(join(tmpdir(), 'linkdest-spot-'));
  try {
    const trimmed = req.source.replace(/\/+$/, '') || '/';
    const src = req.flags.remote ? remoteSourceArg(trimmed, req.flags.secludedArgs !== false) : trimmed;
    const r = await runRsync([...baseArgs(req.flags), '--dry-run', `${src}/`, `${empty}/`], log, req.signal);
    if (r.code !== 0 && r.code !== 23 && r.code !== 24) return undefined;
    return parseRsyncStats(r.stdout).files;
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
}

export async function spotCheck(req: SpotRequest, log: Logger): Promise<SpotOutcome> {
  const out: SpotOutcome = { findings: [], compared: 0, skipped: 0 };
  const count = await sourceCount(req, log);
  if (count === undefined) log.warn(`${req.source}: spot check: rsync could not list the source; its entries were not counted`);
  else {
    const breach = countBreach(req.source, count, req.census.entries, req.tolerancePct);
    if (breach) out.findings.push(`spot check: ${breach}`);
  }
  const s = req.flags.remote ? await compareRemoteSample(req, log) : await compareLocalSample(req);
  out.compared = s.compared;
  out.skipped = s.skipped;
  if (s.differ.length > 0) {
    const more = s.differ.length > MAX_NAMED ? ` (and ${s.differ.length - MAX_NAMED} more)` : '';
    out.findings.push(`spot check: ${s.differ.length} of ${s.compared} sampled files of ${req.source} differ from the snapshot: ${s.differ.slice(0, MAX_NAMED).join(', ')}${more}`);
  }
  return out;
}

async function compareLocalSample(req: SpotRequest): Promise<SampleComparison> {
  const out: SampleComparison = { compared: 0, skipped: 0, differ: [] };
  const { differ } = out;
  const srcRoot = Buffer.from(req.source.replace(/\/+$/, ''));
  const dstRoot = Buffer.from(req.dest);
  for (const rel of req.census.sample) {
    if (req.signal?.aborted) break;
    const src = Buffer.concat([srcRoot, Buffer.from('/'), rel]);
    const dst = Buffer.concat([dstRoot, Buffer.from('/'), rel]);
    const name = `${req.source.replace(/\/+$/, '')}/${rel.toString()}`;
    const st = await lstat(src).catch(() => undefined);
    if (!st?.isFile()) {
      // Gone or replaced: a change during the run touches the parent directory.
      const parent = await lstat(Buffer.concat([srcRoot, Buffer.from('/'), rel.subarray(0, Math.max(0, rel.lastIndexOf(0x2f)))])).catch(() => undefined);
      if (st && changedDuringRun(st, req.runStartMs)) { out.skipped++; continue; }
      if (!parent || changedDuringRun(parent, req.runStartMs)) { out.skipped++; continue; }
      differ.push(`${name} (${st ? 'no longer a regular file' : 'missing'} in the source)`);
      continue;
    }
    if (changedDuringRun(st, req.runStartMs)) { out.skipped++; continue; }
    const copy = await lstat(dst);
    const at = copy.size !== st.size ? -2 : await firstDifference(src, dst);
    out.compared++;
    if (at === -1) continue;
    // Changed while being compared: no alarm either.
    if (changedDuringRun(await lstat(src), req.runStartMs)) { out.skipped++; continue; }
    differ.push(at === -2 ? `${name} (${st.size} bytes in the source, ${copy.size} in the snapshot)` : `${name} (differs at byte ${at})`);
  }
  return out;
}
