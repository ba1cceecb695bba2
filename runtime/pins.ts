/**
 * Pins: snapshots the admin keeps outside the rotation (retention.ts never deletes them).
 * A pin is the file DEST/NAME/.pins/STAMP beside the snapshots, never inside one (a snapshot
 * is a backup: its tree is not written after the commit). The file's existence is the pin;
 * its JSON holds the note and the time, so a damaged file still pins. Written atomically
 * (temporary file, fsync, rename), 0600 in a 0700 directory. `.pins` is not a stamp, so
 * listSet never takes it for a snapshot; a pin whose snapshot is gone is dropped by prune.ts.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT, LinkdestError } from './errors.ts';
import { parseStamp } from './layout.ts';

export const PINS_DIR = '.pins';
export const NOTE_MAX = 200;

export interface Pin {
  note?: string;
  /** ISO time the pin was set. */
  pinnedAt?: string;
}

/** Why a note cannot be stored, or undefined: one line of printable text, at most NOTE_MAX characters. */
export function noteProblem(note: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(note)) return 'expected one line of text without control characters (newlines, tabs, escapes)';
  if (note.trim() === '') return 'expected some text (leave --note out for none)';
  if ([...note].length > NOTE_MAX) return `expected at most ${NOTE_MAX} characters, got ${[...note].length}`;
  return undefined;
}

/** The note as given, or a usage error that does not repeat it (it may hold anything). */
export function checkNote(note: string | undefined): string | undefined {
  if (note === undefined) return undefined;
  const problem = noteProblem(note);
  if (problem) throw new LinkdestError(`--note: ${problem}`, { step: 'pin', exitCode: EXIT.usage });
  return note;
}

const pinsDir = (setDir: string): string => join(setDir, PINS_DIR);

/** Every pin of the set, by snapshot name (also pins whose snapshot is gone). */
export async function readPins(setDir: string): Promise<Map<string, Pin>> {
  let names: string[];
  try {
    names = await readdir(pinsDir(setDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const pins = new Map<string, Pin>();
  for (const name of names.filter((n) => parseStamp(n)).sort()) {
    const text = await readFile(join(pinsDir(setDir), name), 'utf8').catch(() => '');
    let pin: Pin = {};
    try {
      const p = JSON.parse(text) as Pin;
      pin = {
        ...(typeof p.note === 'string' && noteProblem(p.note) === undefined ? { note: p.note } : {}),
        ...(typeof p.pinnedAt === 'string' ? { pinnedAt: p.pinnedAt } : {}),
      };
    } catch { /* a damaged pin file still pins */ }
    pins.set(name, pin);
  }
  return pins;
}

export async function writePin(setDir: string, name: string, pin: Pin): Promise<void> {
  if (!parseStamp(name)) throw new Error(`${name}: not a snapshot name`);
  await mkdir(pinsDir(setDir), { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
  const tmp = join(pinsDir(setDir), `.${name}.tmp-${process.pid}`);
  await unlink(tmp).catch(() => undefined);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(pin)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(pinsDir(setDir), name));
}

/** Removes the pin of `name`; false when there was none. */
export async function removePin(setDir: string, name: string): Promise<boolean> {
  if (!parseStamp(name)) return false;
  try {
    await unlink(join(pinsDir(setDir), name));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
