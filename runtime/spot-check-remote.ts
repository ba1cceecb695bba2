/**
 * The spot check's sample of a pulled source, compared byte for byte by rsync itself: a dry
 * run with --checksum from the source host into the new snapshot, seeing only the sampled
 * files (filter rules, which rsync sends over its own protocol: the source host's command
 * line stays `rsync --server --sender OPTIONS . PATH`, what the restricted pull key allows,
 * docs/pull.md). The source host reads only the sampled files and runs nothing new; no
 * byte of their content crosses the network, only checksums. The verdict is spot-itemized.ts's.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from './logger.ts';
import { remoteShellArgs, remoteSourceArg } from './engine/remote-args.ts';
import { runRsync } from './engine/run-rsync.ts';
import { optionArg, readExtraArgs } from './engine/extra-args.ts';
import type { SampleComparison, SpotRequest } from './spot-check.ts';
import { filterSafe, judgeItemized, parseItemized, sampleRules } from './spot-itemized.ts';

/** Of the source's rsync.extra_args, those that say how to reach and start the source's rsync (long names, extra-args.ts). */
const REACH = new Set(['--no-s', '--no-protect-args', '--no-secluded-args', '--rsync-path']);
const reachArgs = (extraArgs: readonly string[]): string[] => readExtraArgs(extraArgs).filter((o) => REACH.has(o.name)).map(optionArg);

export async function compareRemoteSample(req: SpotRequest, log: Logger): Promise<SampleComparison> {
  const out: SampleComparison = { compared: 0, skipped: 0, differ: [] };
  const rels: string[] = [];
  for (const b of req.census.sample) {
    const rel = b.toString('utf8');
    if (Buffer.from(rel, 'utf8').equals(b) && filterSafe(rel)) rels.push(rel);
    else out.skipped++;
  }
  if (out.skipped > 0) log.info(`${req.source}: spot check: ${out.skipped} sampled name(s) with wildcard, control or non-UTF-8 characters left out (rsync's filter rules would not match them exactly)`);
  if (rels.length === 0) return out;
  const tmp = await mkdtemp(join(tmpdir(), 'linkdest-spot-'));
  try {
    const rules = join(tmp, 'sample.rules');
    await writeFile(rules, sampleRules(rels), { mode: 0o600 });
    const f = req.flags;
    const secluded = f.secludedArgs !== false;
    const trimmed = req.source.replace(/\/+$/, '') || '/';
    const r = await runRsync([
      '-rlt', '--dry-run', '--checksum', '-ii', ...(f.nanoseconds ? ['--modify-window=-1'] : []),
      ...remoteShellArgs(f.rsh, secluded), ...reachArgs(f.extraArgs),
      `--filter=. ${rules}`, `${remoteSourceArg(trimmed, secluded)}/`, `${req.dest}/`,
    ], log, req.signal);
    // 23/24: some entries vanished or could not be read on the source; the rest is itemized.
    if (r.code !== 0 && r.code !== 23 && r.code !== 24) {
      log.warn(`${req.source}: spot check: rsync could not compare the sample with the source (exit ${r.code}); not compared`);
      return out;
    }
    const v = judgeItemized(rels, parseItemized(r.stdout));
    out.compared = v.compared;
    out.skipped += v.skipped;
    out.differ = v.differ.map((d) => `${trimmed}/${d}`);
    return out;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
