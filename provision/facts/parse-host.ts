/** Parsers of the small host-level sections: init system, commands, versions, files, units. */
import type { AutofsFacts, FileFact, PackageManager, UnitFact } from './types.ts';
import { keyValueLines } from './sections.ts';

/** systemd counts only when it is PID 1 and has set up /run/systemd/system (sd_booted). */
export function parseInit(body: string): boolean {
  const kv = keyValueLines(body);
  return kv.has('run-systemd-system') && kv.get('pid1') === 'systemd';
}

/** The `autofs` section: a line `kernel` and a line `device` for what is there. */
export function parseAutofs(body: string): AutofsFacts {
  const kv = keyValueLines(body);
  return { kernel: kv.has('kernel'), device: kv.has('device') };
}

export function parseCommands(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, path] of keyValueLines(body)) if (path.startsWith('/')) out[name] = path;
  return out;
}

const MANAGERS: [string, PackageManager][] = [
  ['apt-get', 'apt'], ['dnf', 'dnf'], ['zypper', 'zypper'], ['pacman', 'pacman'], ['apk', 'apk'], ['emerge', 'emerge'],
];

export function packageManagerOf(commands: Record<string, string>): PackageManager | undefined {
  return MANAGERS.find(([cmd]) => commands[cmd] !== undefined)?.[1];
}

/** `v18.19.0` -> `18.19.0`; undefined when node printed nothing. */
export function parseNodeVersion(body: string): string | undefined {
  const m = /v?(\d+\.\d+\.\d+)/.exec(body);
  return m?.[1];
}

/** `rsync  version 3.2.7  protocol version 31` -> `3.2.7`. */
export function parseRsyncVersion(body: string): string | undefined {
  return /version\s+v?(\d+(?:\.\d+)+)/.exec(body)?.[1];
}

const TYPES: Record<string, FileFact['type']> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'symlink',
};

export function parseFileFact(body: string): FileFact {
  const kv = keyValueLines(body);
  const st = kv.get('stat');
  if (st === undefined) return { exists: false };
  const [type, mode, owner, group, size] = st.split('|');
  const content = kv.get('content');
  return {
    exists: true,
    type: TYPES[type ?? ''] ?? 'other',
    mode: parseInt(mode ?? '0', 8),
    owner,
    group,
    size: Number(size ?? 0),
    ...(kv.has('sha256') ? { sha256: kv.get('sha256') } : {}),
    ...(content !== undefined ? { content: Buffer.from(content, 'base64').toString('utf8') } : {}),
  };
}

/** Without systemd the section is empty: the unit is reported as not found. */
export function parseUnitFact(body: string): UnitFact {
  const kv = keyValueLines(body);
  return { enabled: kv.get('enabled') || 'not-found', active: kv.get('active') || 'inactive' };
}
