/**
 * The spot check of a pulled source, its pure half (spot-check-remote.ts runs rsync): which
 * sampled files can travel as filter rules, the rules that let rsync see only them, and the
 * verdict read from rsync's itemized dry run with --checksum (`-ii`: a line for every
 * entry, unchanged ones too). rsync's item string is `YXcstpoguax`: Y `>` would transfer
 * (size or checksum differs), `.` would not; X the type; `t` or `T` in the third place
 * after the type: the modification times differ.
 *
 * The snapshot's copy carries the mtime the source had when rsync read it, so a file whose
 * mtime differs now changed after the copy (or during it): skipped, never an alarm, as for
 * local sources (spot-rules.ts). Same mtime and different bytes is the breach the check is
 * for: a flipped bit in a shared inode, a rewrite that kept size and mtime, a wrong link.
 */

/** A name the rules carry exactly: no wildcard or escape character (rsync would match them as patterns) and nothing rsync's output would escape. */
export function filterSafe(rel: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[*?[\\\u0000-\u001f\u007f]/.test(rel) && rel !== '' && !rel.startsWith('/');
}

/** Merge-file rules: each sampled file and its parent directories, then nothing else. */
export function sampleRules(rels: readonly string[]): string {
  const dirs = new Set<string>();
  for (const r of rels) {
    const parts = r.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`/${parts.slice(0, i).join('/')}/`);
  }
  return `${[...[...dirs].sort().map((d) => `+ ${d}`), ...rels.map((r) => `+ /${r}`), '- *'].join('\n')}\n`;
}

export interface Item {
  /** `>`, `.`, `c`, `h`, `*`... */
  update: string;
  /** `f`, `d`, `L`, `D`, `S`. */
  type: string;
  flags: string;
}

/** `%i %n` lines (rsync's -ii output) by path; directories lose their trailing `/`, `./` is ''. */
export function parseItemized(stdout: string): Map<string, Item> {
  const out = new Map<string, Item>();
  for (const line of stdout.split('\n')) {
    const m = /^([<>ch.*])([fdLDS])(.{9}) (.+)$/.exec(line);
    if (!m) continue;
    const name = m[4]!.replace(/\/$/, '');
    out.set(name === '.' ? '' : name, { update: m[1]!, type: m[2]!, flags: m[3]! });
  }
  return out;
}

const timesDiffer = (i: Item): boolean => i.flags[2] === 't' || i.flags[2] === 'T';

export interface RemoteVerdict {
  compared: number;
  /** Changed since the copy (or during it): no alarm. */
  skipped: number;
  /** One entry per breach: `rel (why)`. */
  differ: string[];
}

export function judgeItemized(rels: readonly string[], items: ReadonlyMap<string, Item>): RemoteVerdict {
  const v: RemoteVerdict = { compared: 0, skipped: 0, differ: [] };
  for (const rel of rels) {
    const it = items.get(rel);
    if (!it) {
      // Not on the source. Its directory unchanged since the copy: the snapshot holds a file
      // the source did not have. Changed (or gone too): deleted after the copy.
      const parent = items.get(rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
      if (parent && parent.type === 'd' && !timesDiffer(parent)) v.differ.push(`${rel} (missing in the source)`);
      else v.skipped++;
      continue;
    }
    if (it.type !== 'f' || timesDiffer(it)) { v.skipped++; continue; }
    v.compared++;
    if (it.update === '>') v.differ.push(`${rel} (${it.flags[1] === 's' ? 'size differs' : 'content differs'} from the source, same modification time)`);
  }
  return v;
}
