/**
 * `restore PATH`: copy a file, directory or whole source back from a snapshot, on the host,
 * with rsync -aH(AX) --numeric-ids. Refuses partial snapshots, paths no source covers, a
 * target on the backup disk, a file/directory kind clash, and (without --force) any file at
 * the target that is newer than the snapshot's copy: those are listed and nothing is written.
 * Symlinks never redirect it (restore-paths.ts): the source is resolved inside the snapshot,
 * and a target below a symlinked directory is refused unless --force.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RuntimeConfig } from '../config.ts';
import { EXIT, LinkdestError } from '../errors.ts';
import { lastLine, run } from '../exec.ts';
import { listSet, readMetadata, setDir, sourceSubdir } from '../layout.ts';
import type { Logger } from '../logger.ts';
import { withDestination } from './access.ts';
import { itemizedChanges, newerAtDestination, restoreTarget, rsyncRestoreArgv, topLevelConflict, type ComparedEntry } from './restore-plan.ts';
import { chooseSnapshot, parseAt } from './select-snapshot.ts';
import { realParent, resolveInSnapshot, setDirAttributes, symlinkedParents } from './restore-paths.ts';
import { locateInSnapshot, normalizePath, notBackedUp, type SnapshotLocation } from './snapshot-path.ts';
import { statEntry, walkTree, type TreeEntry } from './tree.ts';
import type { OtherDisk } from '../disks/other-disks.ts';
import { rotationContext } from '../disks/rotation-context.ts';

export interface RestoreOptions {
  path: string;
  at?: string;
  snapshot?: string;
  to?: string;
  dryRun?: boolean;
  force?: boolean;
}

export interface RestoreOutcome {
  snapshot: string;
  /** The item inside the snapshot. */
  from: string;
  target: string;
  dryRun: boolean;
  /** rsync's itemized changes (what was, or would be, written). */
  changes: string[];
  /** Files at the target newer than the snapshot's copy (overwritten only with --force). */
  newer: string[];
  /** Rotation: the disk read, and what the other enrolled disks hold (docs/rotation.md). */
  disk?: string;
  otherDisks?: OtherDisk[];
}

const fail = (message: string, exitCode: number = EXIT.error): LinkdestError => new LinkdestError(message, { step: 'restore', exitCode });
const inside = (p: string, dir: string): boolean => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

async function compare(src: string, srcEntry: TreeEntry, target: string): Promise<ComparedEntry[]> {
  const top = await statEntry(target);
  const list: ComparedEntry[] = [{ rel: '', snapType: srcEntry.type, snapMtimeMs: srcEntry.mtimeMs, destType: top?.type, destMtimeMs: top?.mtimeMs }];
  if (srcEntry.type !== 'dir' || top?.type !== 'dir') return list;
  for (const [rel, e] of await walkTree(src)) {
    const d = await statEntry(join(target, rel));
    list.push({ rel, snapType: e.type, snapMtimeMs: e.mtimeMs, destType: d?.type, destMtimeMs: d?.mtimeMs });
  }
  return list;
}

/** Missing parents of the original path come back with the snapshot's owners, modes and times. */
async function createParents(target: string, snapshotDir: string, loc: SnapshotLocation): Promise<void> {
  const missing: string[] = [];
  for (let p = dirname(target); p !== '/' && !(await statEntry(p)); p = dirname(p)) missing.unshift(p);
  for (const p of missing) {
    await mkdir(p);
    if (loc.remote) continue;
    const inSnap = await resolveInSnapshot(snapshotDir, sourceSubdir(p));
    const s = inSnap?.ok ? await lstat(inSnap.path).catch(() => undefined) : undefined;
    if (s?.isDirectory()) await setDirAttributes(p, s);
  }
}

export async function restore(cfg: RuntimeConfig, o: RestoreOptions, log: Logger): Promise<RestoreOutcome> {
  const original = normalizePath(o.path);
  const to = o.to === undefined ? undefined : resolve(normalizePath(o.to));
  if (to !== undefined && !to.startsWith('/')) throw fail(`--to ${JSON.stringify(o.to)}: expected a directory on this host, like /root/restore`, EXIT.usage);
  const at = o.at === undefined ? undefined : parseAt(o.at);
  const dest = cfg.destination.path;
  return withDestination(cfg, { log, exclusive: !o.dryRun }, async (access) => {
    const dir = setDir(cfg);
    const l = await listSet(dir);
    const snapshot = chooseSnapshot(l.complete, l.partials, { at, id: o.snapshot });
    const snapshotDir = join(dir, snapshot);
    const sources = (await readMetadata(snapshotDir))?.sources ?? cfg.sources.map((s) => s.path);
    const loc = locateInSnapshot(original, sources);
    if (!loc) throw notBackedUp(original, sources);
    if (loc.remote && to === undefined) {
      throw fail(`${original} was pulled from another host; restore it here with --to DIR and copy it over from there`, EXIT.usage);
    }
    const resolved = await resolveInSnapshot(snapshotDir, loc.rel);
    if (resolved && !resolved.ok) {
      throw fail(`${original}: ${resolved.via} in snapshot ${snapshot} is a symlink to ${resolved.to}, which leads out of the snapshot; `
        + 'nothing was restored (restore the path it points to instead, if that was backed up)');
    }
    const from = resolved?.path ?? join(snapshotDir, loc.rel);
    const srcEntry = resolved ? await statEntry(from) : undefined;
    if (!srcEntry) {
      let last: string | undefined;
      for (const name of l.complete) {
        const r = await resolveInSnapshot(join(dir, name), loc.rel);
        if (r?.ok && await statEntry(r.path)) last = name;
      }
      const hint = last ? `; it was last in ${last}: add --snapshot ${last}` : '; it is in no snapshot';
      throw fail(`${original} does not exist in snapshot ${snapshot}${hint} (linkdest history shows its versions)`);
    }
    const target = restoreTarget({ original: loc.original, to });
    if (inside(target, dest)) throw fail(`refusing to restore into the backup disk (${target} is inside ${dest}); choose --to elsewhere`, EXIT.usage);
    const linked = await symlinkedParents(target);
    const links = linked.map((l) => `${l.path} is a symlink to ${l.to}`).join(', ');
    if (linked.length > 0 && !o.force) {
      throw fail(`${target}: ${links}; a restore writes only through real directories, nothing was restored. `
        + 'Check that link, then restore --to another directory, or pass --force to write through it');
    }
    if (linked.length > 0) {
      const real = await realParent(target);
      if (inside(real, await realpath(dest).catch(() => dest))) {
        throw fail(`refusing to restore into the backup disk (${links}, which leads to ${real}, inside ${dest}); choose --to elsewhere`, EXIT.usage);
      }
      log.warn(`--force: writing through ${links}`);
    }
    const top = await statEntry(target);
    const clash = topLevelConflict(srcEntry.type, top?.type);
    if (clash) throw fail(`${target} ${clash}; move it aside first, then restore`);
    const newer = newerAtDestination(await compare(from, srcEntry, target));
    const shown = (r: string): string => (r === '' ? target : join(target, r));
    if (newer.length > 0 && !o.force && !o.dryRun) {
      for (const n of newer) log.warn(`newer than the snapshot's copy: ${shown(n)}`);
      throw fail(`${newer.length} file(s) at ${target} are newer than in snapshot ${snapshot}; nothing was restored. `
        + 'Restore with --to DIR to compare, or --force to overwrite them');
    }
    log.info(`${o.dryRun ? 'would restore' : 'restoring'} ${original} from snapshot ${snapshot} to ${target}`);
    const parentMissing = !(await statEntry(dirname(target)));
    if (!o.dryRun) {
      if (to !== undefined) await mkdir(to, { recursive: true });
      else await createParents(target, snapshotDir, loc);
    }
    const argv = rsyncRestoreArgv({ source: from, target, isDir: srcEntry.type === 'dir', acls: cfg.rsync.acls, xattrs: cfg.rsync.xattrs, dryRun: o.dryRun === true });
    if (o.dryRun && parentMissing) argv.splice(argv.indexOf('--'), 0, '--mkpath');
    const r = await run(argv);
    if (r.code !== 0) throw fail(`rsync exited ${r.code}: ${lastLine(r)}`);
    return {
      snapshot, from, target, dryRun: o.dryRun === true, changes: itemizedChanges(r.stdout), newer: newer.map(shown),
      ...(await rotationContext(cfg, access.disk)),
    };
  });
}
