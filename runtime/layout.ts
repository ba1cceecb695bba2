/**
 * Where snapshots live and how they are named: DEST/NAME/YYYY-MM-DD_HH-MM-SS/ (local time,
 * as rbme did), work in progress as `<stamp>.partial`, snapshots being deleted as
 * `.deleting-<stamp>`, `latest` a relative symlink to the newest complete one. A snapshot is
 * complete exactly when its directory carries a bare stamp name: the rename is the commit.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readdir, readFile, rename, symlink, unlink } from 'node:fs/promises';
import type { RuntimeConfig } from './config.ts';
import type { SnapshotMetadata } from './snapshot-metadata.ts';

export const STAMP_RE = /^(\d{4})-(\d\d)-(\d\d)_(\d\d)-(\d\d)-(\d\d)$/;
export const PARTIAL_SUFFIX = '.partial';
export const DELETING_PREFIX = '.deleting-';
export const METADATA_FILE = '.linkdest-snapshot.json';
/** The checksum manifest (runtime/manifest/format.ts), gzip-compressed. */
export const MANIFEST_FILE = '.linkdest-manifest.gz';
/** linkdest's own files at the top of a snapshot: not the host's data (no restore, no diff). */
export const SNAPSHOT_OWN_FILES: readonly string[] = [METADATA_FILE, MANIFEST_FILE];
export const LATEST = 'latest';

const pad = (n: number): string => String(n).padStart(2, '0');

export function stampOf(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}

/** Local time of a stamp, or undefined for anything that is not one. */
export function parseStamp(name: string): Date | undefined {
  const m = STAMP_RE.exec(name);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, s);
  return stampOf(date) === name ? date : undefined;
}

export function setName(cfg: Pick<RuntimeConfig, 'name'>): string {
  return cfg.name ?? hostname().split('.')[0]!;
}

/** DEST/NAME, the directory holding one host's snapshots. */
export function setDir(cfg: Pick<RuntimeConfig, 'name' | 'destination'>): string {
  return join(cfg.destination.path, setName(cfg));
}

/**
 * A pulled source's parts as a config writes it, `[user@]host:/path`: `login` is
 * `[user@]host`; undefined for anything else (a local path). Where a source lands
 * (`sourceSubdir`) and restore's paths (ops/snapshot-path.ts) read it here, so the two agree.
 */
export function remoteSourceParts(source: string): { login: string; host: string; path: string } | undefined {
  const m = /^((?:[^\s/:@]+@)?([^\s/:@]+)):(\/.*)$/.exec(source);
  return m ? { login: m[1]!, host: m[2]!, path: m[3]! } : undefined;
}

/**
 * Where a source lands inside a snapshot: `/Apps` -> `Apps`, `host:/srv/x` and
 * `user@host:/srv/x` -> `host/srv/x` (the host name keeps two hosts' /etc apart).
 */
export function sourceSubdir(source: string): string {
  const remote = remoteSourceParts(source);
  const path = remote ? `${remote.host}${remote.path}` : source;
  const rel = path.split('/').filter((p) => p !== '' && p !== '.').join('/');
  if (rel.split('/').includes('..')) throw new Error(`source ${source}: ".." is not allowed`);
  return rel;
}

/** `rel` is the directory `dir` or lies beneath it (paths relative to a snapshot; '' = its root, which holds everything). */
export function atOrUnder(rel: string, dir: string): boolean {
  return dir === '' || rel === dir || rel.startsWith(`${dir}/`);
}

export function isRemoteSource(source: string): boolean {
  return !source.startsWith('/');
}

export interface SetListing {
  /** Complete snapshots, oldest first. */
  complete: string[];
  partials: string[];
  deleting: string[];
}

export async function listSet(dir: string): Promise<SetListing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { complete: [], partials: [], deleting: [] };
    throw e;
  }
  names.sort();
  return {
    complete: names.filter((n) => parseStamp(n)),
    partials: names.filter((n) => n.endsWith(PARTIAL_SUFFIX) && parseStamp(n.slice(0, -PARTIAL_SUFFIX.length))),
    deleting: names.filter((n) => n.startsWith(DELETING_PREFIX)),
  };
}

export async function readMetadata(snapshotDir: string): Promise<SnapshotMetadata | undefined> {
  try {
    return JSON.parse(await readFile(join(snapshotDir, METADATA_FILE), 'utf8')) as SnapshotMetadata;
  } catch {
    return undefined;
  }
}

/** Point `latest` at `name` atomically: a new symlink renamed over the old one. */
export async function switchLatest(dir: string, name: string): Promise<void> {
  const tmp = join(dir, `.latest.tmp-${process.pid}`);
  await unlink(tmp).catch(() => undefined);
  await symlink(name, tmp);
  await rename(tmp, join(dir, LATEST));
}
