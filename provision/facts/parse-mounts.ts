/**
 * Parsers of /proc/mounts and /etc/fstab (same six-field format). Both escape space, tab,
 * newline and backslash in paths as octal (\040); fstabEscape is the inverse, for the
 * lines we write.
 */
import type { MountEntry } from './types.ts';

export function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function fstabEscape(field: string): string {
  return field.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function parseTable(text: string, withLines: boolean): MountEntry[] {
  const out: MountEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [source, target, fstype, options] = line.split(/[ \t]+/);
    if (source === undefined || target === undefined) return;
    out.push({
      source: unescapeOctal(source),
      target: unescapeOctal(target),
      fstype: fstype ?? 'auto',
      options: (options ?? 'defaults').split(','),
      ...(withLines ? { line: index } : {}),
    });
  });
  return out;
}

export function parseProcMounts(text: string): MountEntry[] {
  return parseTable(text, false);
}

/** `line` is the 0-based line index in the file, so an entry can be replaced in place. */
export function parseFstab(text: string): MountEntry[] {
  return parseTable(text, true);
}
