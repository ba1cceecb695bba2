/**
 * systemd's own escaping, as pure functions so check() can name units without running
 * `systemd-escape` on the host. The unit tests compare escapePath with the real binary.
 */

/** Absolute, no empty, `.` or `..` components, no trailing slash (except "/"). */
export function isNormalizedPath(path: string): boolean {
  if (!path.startsWith('/')) return false;
  if (path === '/') return true;
  return path.slice(1).split('/').every((c) => c !== '' && c !== '.' && c !== '..');
}

function escapeChar(byte: number, first: boolean): string {
  const c = String.fromCharCode(byte);
  if (/[A-Za-z0-9:_]/.test(c) || (c === '.' && !first)) return c;
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** `systemd-escape --path`: /mnt/My Backup -> mnt-My\x20Backup. Throws on non-normalized paths. */
export function escapePath(path: string): string {
  if (!isNormalizedPath(path)) throw new Error(`${JSON.stringify(path)} is not a normalized absolute path`);
  if (path === '/') return '-';
  const bytes = Buffer.from(path.slice(1), 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += b === 0x2f ? '-' : escapeChar(b, i === 0);
  }
  return out;
}

/** `systemd-escape --path --suffix=mount /mnt/Backup` -> mnt-Backup.mount (also the .device of a /dev path). */
export function pathUnitName(path: string, suffix: 'mount' | 'automount' | 'device'): string {
  return `${escapePath(path)}.${suffix}`;
}

/**
 * A value for a unit file `Key=value` line: refuse what would end the line or continue it
 * (newline, trailing backslash), double `%` so specifiers do not expand it.
 */
export function unitValue(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error(`${JSON.stringify(value)} contains a line break`);
  if (value.endsWith('\\')) throw new Error(`${JSON.stringify(value)} ends with a backslash`);
  return value.replaceAll('%', '%%');
}

/** One word of an ExecStart= command line, quoted the way systemd splits it back. */
export function execArg(arg: string): string {
  const v = unitValue(arg);
  if (/^[A-Za-z0-9_@+=:,./%-]+$/.test(v)) return v;
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replaceAll('$', '$$$$')}"`;
}

export function execLine(argv: readonly string[]): string {
  return argv.map(execArg).join(' ');
}
