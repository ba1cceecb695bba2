/**
 * Steps 4 to 6: what to back up (suggested directories with their sizes, or any /path or
 * host:/path), which libvirt VMs to stop meanwhile, and when (daily time, retention rules
 * in plain words, rbme.conf's defaults).
 */
import { schedule as scheduleField, sourcePath } from '../../inventory/fields.ts';
import { LinkdestError, EXIT } from '../../runtime/errors.ts';
import { formatBytes, parseSize } from '../../runtime/size.ts';
import type { Asker } from './ask.ts';
import { dailyAt, DEFAULT_RETENTION, retentionInWords, timeOfDaily, type RetentionAnswers } from './answers.ts';
import type { HostProbe } from './host-probe.ts';

export const SUGGESTED_SOURCES = ['/Apps', '/srv', '/home', '/etc', '/var/www', '/opt'];

const sourceProblem = (s: string): string | undefined => {
  const r = sourcePath.safeParse(s);
  return r.success ? undefined : `${s}: expected /path or host:/path`;
};

export async function askSources(ask: Asker, probe: HostProbe, o: { given?: string[]; existing?: string[] }): Promise<string[]> {
  if (o.given && o.given.length > 0) {
    const bad = o.given.map(sourceProblem).find(Boolean);
    if (bad) throw new LinkdestError(`--source ${bad}`, { step: 'init', exitCode: EXIT.usage });
    return o.given;
  }
  const sizes = await probe.dirSizes(SUGGESTED_SOURCES);
  const existing = o.existing ?? [];
  const paths = [...new Set([...existing.filter((p) => p.startsWith('/')), ...sizes.map((s) => s.path)])];
  for (;;) {
    let picked: string[] = [];
    if (paths.length > 0) {
      picked = await ask.checkbox({
        id: 'sources', message: 'Directories to back up (space toggles)',
        choices: paths.map((p) => {
          const s = sizes.find((x) => x.path === p);
          return { value: p, name: `${p}${s?.bytes !== undefined ? `  ${formatBytes(s.bytes)}` : ''}` };
        }),
        default: existing.length > 0 ? existing.filter((p) => paths.includes(p)) : sizes.filter((s) => s.path !== '/home' && s.path !== '/opt').map((s) => s.path),
      });
    }
    const others = existing.filter((p) => !paths.includes(p));
    const extra = await ask.input({
      id: 'extra-sources', message: 'Other paths, separated by spaces (/path or host:/path; empty: none):',
      default: others.join(' '),
      validate: (v) => v.split(/\s+/).filter(Boolean).map(sourceProblem).find(Boolean) ?? true,
    });
    const all = [...new Set([...picked, ...extra.split(/\s+/).filter(Boolean)])];
    if (all.length > 0) return all;
    ask.say('Choose at least one directory to back up.');
  }
}

export async function askVms(ask: Asker, probe: HostProbe, existing: string[]): Promise<string[]> {
  const domains = await probe.vms();
  if (domains === undefined || domains.length === 0) {
    ask.say(domains === undefined ? 'virsh is not installed: no VMs to stop during the backup.' : 'libvirt has no VMs on this host.');
    return [];
  }
  return ask.checkbox({
    id: 'vm', message: 'VMs to shut down during the backup (started again after it)',
    choices: domains.map((d) => ({ value: d, name: d })),
    default: existing.filter((d) => domains.includes(d)),
  });
}

export async function askSchedule(ask: Asker, existing?: string): Promise<string> {
  const answer = await ask.input({
    id: 'time', message: 'Time of the daily backup (HH:MM, or a systemd OnCalendar expression):',
    default: (existing && (timeOfDaily(existing) ?? existing)) ?? '03:00',
    validate: (v) => dailyAt(v) !== undefined || scheduleField.safeParse(v.trim()).success || 'expected a time such as 03:00 (or "Mon..Fri 03:00")',
  });
  return dailyAt(answer) ?? answer.trim();
}

const sizeOk = (v: string): true | string => {
  try {
    parseSize(v.trim());
    return true;
  } catch {
    return 'expected a size such as 30G, 500MB or 100k';
  }
};

export async function askRetention(ask: Asker, current: RetentionAnswers = DEFAULT_RETENTION): Promise<RetentionAnswers> {
  ask.say(`Retention: ${retentionInWords(current)}.`);
  if (await ask.confirm({ id: 'keep-retention', message: 'Keep these rules?', default: true })) return current;
  const size = async (id: keyof RetentionAnswers & string, message: string) =>
    (await ask.input({ id: id.replace(/_/g, '-'), message, default: String(current[id]), validate: sizeOk })).trim();
  const keep = await ask.input({
    id: 'keep-min', message: 'Always keep at least this many snapshots:', default: String(current.keep_min),
    validate: (v) => /^\d+$/.test(v.trim()) || 'expected a whole number',
  });
  return {
    keep_min: Number(keep),
    min_free_before: await size('min_free_before', 'Free space needed before a backup (older snapshots are deleted to get it):'),
    min_free_after: await size('min_free_after', 'Free space to leave after a backup:'),
    min_inodes_before: await size('min_inodes_before', 'Free inodes needed before a backup:'),
    min_inodes_after: await size('min_inodes_after', 'Free inodes to leave after a backup:'),
  };
}
