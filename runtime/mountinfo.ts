/**
 * Pure parser of /proc/self/mountinfo (proc(5)): which paths are mount points and what is
 * mounted there. Used instead of `mountpoint`/st_dev so bind mounts of the same filesystem
 * count too, and so the answer comes from one place the kernel keeps exact.
 */

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** The kernel escapes space, tab, newline and backslash in paths as \ooo octal. */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * `36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue`:
 * field 5 is the mount point; after the lone "-" come fstype and source.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3) continue;
    out.push({
      mountPoint: unescapeMountPath(fields[4]!),
      fsType: fields[sep + 1]!,
      source: unescapeMountPath(fields[sep + 2]!),
    });
  }
  return out;
}

/** The entry mounted last at `path` (the one visible there), if any. */
export function mountAt(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  let found: MountEntry | undefined;
  for (const e of entries) if (e.mountPoint === clean) found = e;
  return found;
}

/**
 * The filesystem really mounted at `path`. An autofs entry alone is only a trap set by an
 * .automount unit, not the disk: the guard then mounts (and later unmounts) the disk itself.
 */
export function filesystemAt(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  const e = mountAt(entries, path);
  return e?.fsType === 'autofs' ? undefined : e;
}
