/**
 * Which Debian mirror this machine already uses for bookworm, read from APT's sources
 * (deb822 `.sources` stanzas or one-line `deb` entries). The image is built from the
 * same mirror because it is the only one reachable here.
 */
export function mirrorFromSources(text: string, suite = 'bookworm'): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s/.exec(line);
    if (m && m[2] === suite) return m[1];
  }
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m?.[1] && m[2] !== undefined) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    if (fields.get('enabled') === 'no') continue;
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if (!(fields.get('suites') ?? '').split(/\s+/).includes(suite)) continue;
    const uri = (fields.get('uris') ?? '').split(/\s+/)[0];
    if (uri) return uri;
  }
  return undefined;
}
