/**
 * When a cron line fires next, for `status` on hosts without systemd. Covers what the
 * provisioner writes (provision/systemd/calendar.ts: `M H * * DOW`, @daily and friends)
 * and plain cron syntax: numbers, `*`, lists, ranges and steps, in the host's local time.
 */
const SHORTHANDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

function field(text: string, min: number, max: number): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const lo = m[1] === '*' ? min : Number(m[2]);
    const hi = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : lo;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < min || hi > max || lo > hi || step < 1) return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** The five time fields of the first job line of a cron.d file (user column after them). */
export function cronSchedule(cronFile: string): string | undefined {
  for (const raw of cronFile.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || /^[A-Za-z_]+=/.test(line)) continue;
    const words = line.split(/\s+/);
    return words[0]!.startsWith('@') ? words[0] : words.slice(0, 5).join(' ');
  }
  return undefined;
}

/** Next local time strictly after `from` matching `expr`, or undefined when it cannot be read. */
export function nextCronRun(expr: string, from: Date): Date | undefined {
  const words = (SHORTHANDS[expr.trim()] ?? expr).trim().split(/\s+/);
  if (words.length !== 5) return undefined;
  const [min, hour, dom, mon, dow] = [field(words[0]!, 0, 59), field(words[1]!, 0, 23), field(words[2]!, 1, 31), field(words[3]!, 1, 12), field(words[4]!, 0, 7)];
  if (!min || !hour || !dom || !mon || !dow) return undefined;
  if (dow.has(7)) dow.add(0);
  // cron: when both day fields are restricted, either one matching is enough.
  const domAny = words[2] === '*';
  const dowAny = words[4] === '*';
  const t = new Date(from.getTime());
  t.setSeconds(0, 0);
  t.setMinutes(t.getMinutes() + 1);
  for (let i = 0; i < 366 * 24 * 60; i++) {
    const dayOk = domAny && dowAny ? true : domAny ? dow.has(t.getDay()) : dowAny ? dom.has(t.getDate()) : dom.has(t.getDate()) || dow.has(t.getDay());
    if (mon.has(t.getMonth() + 1) && dayOk && hour.has(t.getHours()) && min.has(t.getMinutes())) return t;
    t.setMinutes(t.getMinutes() + 1);
  }
  return undefined;
}
