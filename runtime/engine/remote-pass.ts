/**
 * The fast path of a remote source, from listing to rsync's argv: fetch the source host's
 * listing (remote-listing.ts), pre-link what it shows unchanged (remote-prelink.ts), and
 * hand back the one rsync pass that does the rest. Without a usable listing (no GNU find on
 * the source host, a path a shell would expand, an older pull key) it says why and returns
 * nothing: the caller mirrors the whole tree, as bare rsync would.
 */
import type { Logger } from '../logger.ts';
import type { RsyncFlags } from './rsync-args.ts';
import { afterRemotePrelinkArgs } from './rsync-args.ts';
import { fetchListing, remoteStartNs } from './remote-listing.ts';
import { remotePrelink } from './remote-prelink.ts';

export interface RemotePassRequest {
  source: string;
  /** The source as rsync's argument (remote-args.ts `remoteSourceArg`). */
  srcArg: string;
  flags: RsyncFlags;
  dest: string;
  prev: string;
  prevStartedMs: number;
  signal?: AbortSignal;
}

export async function remotePrelinkPass(req: RemotePassRequest, log: Logger): Promise<string[] | undefined> {
  const trimmed = req.source.replace(/\/+$/, '') || '/';
  const listing = await fetchListing(req.flags.rsh, trimmed, req.flags.oneFileSystem, req.signal);
  if ('reason' in listing) {
    log.info(`${req.source}: mirroring the whole tree (no pre-link pass): ${listing.reason}`);
    return undefined;
  }
  const pre = remotePrelink({
    entries: listing.entries, prev: req.prev, dest: req.dest, compareOwner: process.getuid?.() === 0, skip: req.flags.innerSources,
    startNs: remoteStartNs(req.prevStartedMs, listing.remoteSec, listing.doneMs),
  });
  if (pre.linkLimit > 0) log.info(`${req.source}: ${pre.linkLimit} unchanged files have as many hard links in the previous snapshot as its filesystem allows; rsync copies them`);
  log.info(`${req.source}: pre-linked ${pre.filesLinked} unchanged files of ${listing.entries.length} listed; rsync checks the rest`);
  return afterRemotePrelinkArgs(req.flags, req.srcArg, req.dest, req.prev);
}
