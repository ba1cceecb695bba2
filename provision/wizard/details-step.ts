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
    // No default when it would leave nothing to back up: --yes then asks for --source.
    const fallback = others.length > 0 || picked.length > 0 ? others.join(' ') : undefined;
    const extra = await ask.input({
      id: 'source', message: `Other paths, separated by spaces (/path or host:/path${picked.length > 0 ? '; empty: none' : ''}):`,
      ...(fallback !== undefined && { default: fallback }),
      validate: (v) => v.split(/\s+/).filter(Boolean).map(sourceProblem).find(Boolean) ?? true,
    });
    const all = [...new Set([...picked, ...extra.split(/\s+/).filter(Boolean)])];
    if (all.length > 0) return all;
    ask.say('Choose at least one directory to back up.');
  }
}

/** The runtime's libvirt URI when the inventory names none (runtime/config.ts). */
export const DEFAULT_LIBVIRT_URI = 'qemu:///system';

/**
 * Domains to shut down during the backup, chosen from what virsh lists at the URI the
 * runtime will use. No virsh, or virsh failing, is said and skips the step: VMs can be
 * added to linkdest.yml (`vms:`) later.
 */
export async function askVms(ask: Asker, probe: HostProbe, existing: string[], uri = DEFAULT_LIBVIRT_URI): Promise<string[]> {
  const listing = await probe.vms(uri);
  const later = existing.length > 0 ? `linkdest.yml keeps ${existing.join(', ')}` : 'add them to linkdest.yml (vms:) if there are any';
  const flag = ask.fromFlag('vm');
  if (listing.kind === 'no-virsh' && flag !== undefined) {
    throw new LinkdestError(`--vm: virsh is not installed on the host, so linkdest could not shut VMs down there`, { step: 'init', exitCode: EXIT.usage });
  }
  if (listing.kind === 'failed' && Array.isArray(flag)) {
    ask.say(`VMs: \`virsh -c ${uri} list\` failed on the host (${listing.reason}); taking --vm ${flag.join(', ')} unchecked.`);
    return flag;
  }
  if (listing.kind === 'no-virsh') {
    ask.say(`VMs: virsh is not installed on the host, so there are no libvirt VMs to shut down during the backup; ${later}.`);
    return existing;
  }
  if (listing.kind === 'failed') {
    ask.say(`VMs: \`virsh -c ${uri} list\` failed on the host: ${listing.reason}; ${later}.`);
    return existing;
  }
  if (listing.names.length === 0) {
    ask.say(`VMs: libvirt (${uri}) has no VMs on this host.`);
    return [];
  }
  const gone = existing.filter((d) => !listing.names.includes(d));
  if (gone.length > 0) ask.say(`VMs: ${gone.join(', ')} from linkdest.yml ${gone.length === 1 ? 'is' : 'are'} not defined in libvirt (${uri}) any more.`);
  return ask.checkbox({
    id: 'vm', message: 'VMs to shut down during the backup (started again after it)',
    choices: listing.names.map((d) => ({ value: d, name: d })),
    default: existing.filter((d) => listing.names.includes(d)),
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
