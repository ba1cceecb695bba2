/**
 * The lines linkdest owns in a source host's authorized_keys. Each ends with the comment
 * `linkdest-pull:BACKUPHOST` (the marker); only lines whose last word is that marker are
 * ever replaced or removed, every other byte of the file is kept as it was: hand-written
 * lines, comments, blank lines, CRLF endings, a last line without a newline (ours then
 * go first, so no newline has to be added to it).
 */

/** The comment that marks the lines of one backup host's pull key. */
export const pullMarker = (backupHost: string): string => `linkdest-pull:${backupHost}`;

export interface PullLineOptions {
  /** The forced command, already one word list with no quotes or backslashes in it. */
  command: string;
  /** `ssh-ed25519 AAAA...` (the comment of the .pub file is dropped). */
  publicKey: string;
  marker: string;
}

/** `restrict` (no pty, no forwarding, no agent, no X11, no ~/.ssh/rc) plus the forced command. */
export function pullLine(o: PullLineOptions): string {
  const [type, blob] = o.publicKey.trim().split(/\s+/);
  if (!type || !blob || !/^[A-Za-z0-9@.-]+$/.test(type) || !/^[A-Za-z0-9+/=]+$/.test(blob)) throw new Error('not an OpenSSH public key');
  if (/["\\\n\r]/.test(o.command)) throw new Error('the forced command may not hold quotes, backslashes or newlines');
  return `restrict,command="${o.command}" ${type} ${blob} ${o.marker}`;
}

/** The lines of `text`, each with its own line ending (the last may have none). */
function splitKeepingEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const isManaged = (line: string, marker: string): boolean => {
  const words = line.replace(/\r?\n$/, '').trim().split(/\s+/);
  return !line.trimStart().startsWith('#') && words.length > 1 && words[words.length - 1] === marker;
};

/** The managed lines now in the file, without their line endings. */
export function managedLines(text: string, marker: string): string[] {
  return splitKeepingEnds(text).filter((l) => isManaged(l, marker)).map((l) => l.replace(/\r?\n$/, ''));
}

/**
 * `text` with the lines carrying `marker` replaced by `lines` (in place of the first of
 * them, or appended at the end, or put first when the last line has no newline); `lines`
 * empty removes them. Nothing else changes: adding then removing gives back `text`.
 */
export function withManagedLines(text: string, marker: string, lines: readonly string[]): string {
  const parts = splitKeepingEnds(text);
  const ours = lines.map((l) => `${l}\n`).join('');
  const first = parts.findIndex((l) => isManaged(l, marker));
  if (first < 0) {
    if (ours === '') return text;
    // A last line without a newline would need one added; going first instead keeps every
    // byte of the file, so removing our lines later gives back exactly what was there.
    return text === '' || text.endsWith('\n') ? `${text}${ours}` : `${ours}${text}`;
  }
  const out: string[] = [];
  parts.forEach((l, i) => {
    if (i === first) out.push(ours);
    else if (!isManaged(l, marker)) out.push(l);
  });
  return out.join('');
}
