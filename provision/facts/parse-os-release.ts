/** Parser of /etc/os-release (shell-style KEY=value, optionally quoted). */
import type { OsRelease } from './types.ts';

export function parseOsRelease(text: string): OsRelease {
  const kv: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (/^".*"$/.test(v)) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    else if (/^'.*'$/.test(v)) v = v.slice(1, -1);
    kv[m[1]!] = v;
  }
  return {
    id: kv.ID ?? 'linux',
    idLike: (kv.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    versionId: kv.VERSION_ID ?? '',
    prettyName: kv.PRETTY_NAME ?? kv.NAME ?? 'Linux',
  };
}
