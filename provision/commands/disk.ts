/**
 * `linkdest disk enroll|list|retire`: the rotation disks of a host (docs/rotation.md).
 */
import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { EXIT } from '../../runtime/errors.ts';
import type { Overview } from '../../runtime/ops/overview.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { runtimeArgv, runtimeFailure } from '../ops/remote.ts';
import { enrollDisk } from '../disks/enroll.ts';
import { recoveryNotice } from '../disks/enroll-encrypted.ts';
import { removeRotationDisk } from '../disks/inventory-disks.ts';
import { writeHostConfig } from '../disks/host-config.ts';
import { removeAttachTrigger } from '../disks/retire-trigger.ts';
import { diskRows, formatDiskRows } from '../disks/disk-rows.ts';
import { writeAtomic } from '../wizard/write-files.ts';

interface DiskCliOptions { inventory: string; debug?: boolean; json?: boolean; id?: string; formatConfirm?: string; encrypt?: boolean; dryRun?: boolean }

export async function diskEnroll(host: string, device: string, o: DiskCliOptions, deps: HostCommandDeps = {}): Promise<number> {
  return onHost(o, host, deps, async ({ t, spec, write }) => {
    const d = await enrollDisk(t, spec, device, {
      inventory: o.inventory,
      ...(o.id !== undefined && { id: o.id }),
      ...(o.formatConfirm !== undefined && { formatConfirm: o.formatConfirm }),
      ...(o.encrypt !== undefined && { encrypt: o.encrypt }),
      ...(o.dryRun !== undefined && { dryRun: o.dryRun }),
    }, (l) => write(`${host}: ${l}\n`));
    if (o.dryRun) write(`${host}: dry run: nothing was changed\n`);
    else {
      write(`${host}: disk ${d.id} enrolled (uuid ${d.uuid}); write "${d.id}" on its case\n`);
      if (d.recoveryPassphrase !== undefined) write(`\n${recoveryNotice(host, d.id, d.recoveryPassphrase)}\n`);
    }
    return EXIT.ok;
  });
}

export async function diskList(host: string, o: DiskCliOptions, deps: HostCommandDeps = {}): Promise<number> {
  return onHost(o, host, deps, async ({ t, spec, loc, write }) => {
    const r = await t.run(runtimeArgv(loc, 'overview', ['--json']), { allowFailure: true });
    if (!r.stdout.trimStart().startsWith('{')) throw runtimeFailure(spec.name, 'overview', r, loc);
    const rows = diskRows(spec, JSON.parse(r.stdout) as Overview);
    write(o.json ? `${JSON.stringify({ host, disks: rows }, null, 2)}\n` : formatDiskRows(rows));
    return rows.some((d) => d.absent) ? EXIT.pendingOrWarnings : EXIT.ok;
  });
}

/** Removes the disk from the inventory and the host's config; the disk and its snapshots are not touched. */
export async function diskRetire(host: string, id: string, o: DiskCliOptions, deps: HostCommandDeps = {}): Promise<number> {
  const text = await readFile(o.inventory, 'utf8');
  const next = removeRotationDisk(text, host, id, o.inventory);
  return onHost(o, host, deps, async ({ t, write }) => {
    await writeAtomic(o.inventory, next, (await stat(o.inventory)).mode & 0o777);
    write(`${host}: disk ${id} removed from ${o.inventory}\n`);
    await writeHostConfig(t, o.inventory, host, (l) => write(`${host}: ${l}\n`));
    await removeAttachTrigger(t, id, (l) => write(`${host}: ${l}\n`));
    write(`${host}: disk ${id} retired; its data is untouched (wipe it yourself if you mean to)\n`);
    return EXIT.ok;
  });
}

export function register(program: Command): void {
  const disk = program.command('disk').description('rotation disks of a host: enroll, list, retire (docs/rotation.md)');
  addInventoryOption(disk.command('enroll').description('prepare the disk attached now and enrol it (blank: format; linkdest disk: adopt; else refuse)'))
    .argument('<host>', 'inventory host name').argument('<device>', 'the disk as the host sees it now, e.g. /dev/disk/by-id/usb-...')
    .option('--id <id>', 'a short name for the disk (default: the next free letter)')
    .option('--format-confirm <serial-or-uuid>', 'erase this disk although it holds data (the value the refusal names)')
    .option('--encrypt', 'LUKS2-encrypt the disk')
    .option('--dry-run', 'say what would be done (format or adopt, marker, inventory, config) and change nothing')
    .action(async (host: string, device: string, o: DiskCliOptions) => {
      process.exitCode = await diskEnroll(host, device, { ...o, debug: debugOf(program) });
    });
  addInventoryOption(disk.command('list').description('each disk: id, uuid, encrypted, newest snapshot, last seen, free space, attached now'))
    .argument('<host>', 'inventory host name').option('--json', 'JSON output')
    .action(async (host: string, o: DiskCliOptions) => {
      process.exitCode = await diskList(host, { ...o, debug: debugOf(program) });
    });
  addInventoryOption(disk.command('retire').description('remove a disk from the inventory and the host\'s config (its data is not touched)'))
    .argument('<host>', 'inventory host name').argument('<id>', 'disk id')
    .action(async (host: string, id: string, o: DiskCliOptions) => {
      process.exitCode = await diskRetire(host, id, { ...o, debug: debugOf(program) });
    });
}
