/**
 * The fast path of a remote source, from listing to what rsync is left to do: stream the
 * source host's listing (remote-listing.ts) through the pre-link decision (remote-prelink.ts),
 * record by record, and say what rsync does next (fast-path.ts `remoteRestPass`): only the
 * listed rest, or the whole tree skipping what was linked. Without a usable listing (no GNU
 * find on the source host, a path a shell would expand, an older pull key) it says why and
 * returns nothing: the caller mirrors the whole tree, as bare rsync would.
 */
import type { Logger } from '../logger.ts';
import type { RsyncFlags } from './rsync-args.ts';
import { afterRemotePrelinkArgs } from './rsync-args.ts';
import { remoteStartNs, streamListing } from './remote-listing.ts';
import { RemotePrelinker } from './remote-prelink.ts';
import { remoteRestPass } from './fast-path.ts';
import type { PrelinkResult } from './prelink.ts';
import type { DirListing } from './dir-listing.ts';

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

export type RemotePass =
  /**
   * rsync gets the lists, as after a local source's pre-link walk; `top`: the top directory's
   * listing, which holds only if found so after rsync (remote-top-listing.ts).
   */
  | { listed: PrelinkResult; topCountedTwice: { files: number; bytes: number }; top: DirListing | undefined }
  /** rsync gets the whole tree with --ignore-existing. */
  | { wholeTree: string[]; filesLinked: number; bytesLinked: number };

export async function remotePrelinkPass(req: RemotePassRequest, log: Logger): Promise<RemotePass | undefined> {
  const trimmed = req.source.replace(/\/+$/, '') || '/';
  const pre = new RemotePrelinker({ prev: req.prev, dest: req.dest, compareOwner: process.getuid?.() === 0, skip: req.flags.innerSources });
  const listing = await streamListing(
    req.flags.rsh, trimmed, req.flags.oneFileSystem,
    (remoteSec, doneMs) => { pre.startNs = remoteStartNs(req.prevStartedMs, remoteSec, doneMs); },
    (e) => pre.entry(e), req.signal,
  );
  if ('reason' in listing) {
    log.info(`${req.source}: mirroring the whole tree (no pre-link pass): ${listing.reason}`);
    return undefined;
  }
  const r = pre.result;
  if (r.linkLimit > 0) log.info(`${req.source}: ${r.linkLimit} unchanged files have as many hard links in the previous snapshot as its filesystem allows; rsync copies them`);
  const rest = remoteRestPass({ listingComplete: listing.complete, secludedArgs: req.flags.secludedArgs !== false });
  if (rest.listed) {
    // rsync writes only what is listed: the manifest may take the listings (dir-listing.ts).
    pre.finish();
    log.info(`${req.source}: pre-linked ${r.filesLinked} unchanged files of ${listing.entries} listed; rsync checks ${r.others.length + r.multiLinked.length} entries, ${r.dirs.length} directories, ${r.newDirs.length} new directories`);
    return { listed: r, topCountedTwice: pre.topCountedTwice, top: pre.top };
  }
  log.info(`${req.source}: pre-linked ${r.filesLinked} unchanged files of ${listing.entries} listed; rsync checks the rest of the tree (${rest.reason}${listing.problem ? `: ${listing.problem}` : ''})`);
  return { wholeTree: afterRemotePrelinkArgs(req.flags, req.srcArg, req.dest, req.prev), filesLinked: r.filesLinked, bytesLinked: r.bytesLinked };
}
