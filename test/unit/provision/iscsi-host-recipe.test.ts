/**
 * What `plan` builds for a host whose backup disk is a QNAP LUN: the iSCSI resources come
 * before the disk ones (the LUN must exist before it is partitioned), the disk is named by
 * its by-path link (never /dev/sdX), the runtime config carries the target so the nightly
 * run logs in again, and the network/iSCSI ordering sits on the .mount unit only.
 */
import { describe, expect, test } from 'vitest';
import { parseInventory } from '../../../inventory/load.ts';
import { buildRecipe } from '../../../provision/recipe.ts';
import { renderMountUnits } from '../../../provision/resources/mount-units.ts';
import { blankDisk, makeFacts } from './make-facts.ts';

const IQN = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';

async function iscsiHost(mount: 'automount' | 'fstab' = 'automount') {
  const inv = await parseInventory(`hosts:
  marte:
    ssh: { host: 127.0.0.1 }
    disk:
      iscsi: { portal: "10.9.8.7", target: "${IQN}", lun: 0 }
    mount: ${mount}
    marker: .Disco_Backup_iSCSI.txt
    sources: [/Apps]
`, 'linkdest.yml', { dir: '/tmp', home: '/root' });
  return inv.hosts[0]!;
}

describe('recipe of an iSCSI host', () => {
  test('iSCSI resources first, then the LUN by its by-path name', async () => {
    const { resources } = buildRecipe(await iscsiHost(), { runtimeBundle: Buffer.from('bundle') });
    const ids = resources.map((r) => r.id);
    const partition = ids.findIndex((id) => id.startsWith('partition'));
    expect(ids.slice(1, partition)).toEqual([
      'iscsi:package', 'file:/etc/iscsi/initiatorname.iscsi', 'iscsi:service', `iscsi-node:${IQN}`, `iscsi-session:${IQN}`,
    ]);
    expect(ids[partition]).toContain(`/dev/disk/by-path/ip-10.9.8.7:3260-iscsi-${IQN}-lun-0`);
    expect(ids.join(' ')).not.toMatch(/\/dev\/sd[a-z]/);
  });

  test('the runtime config names the target, portal and LUN, and the mount unit', async () => {
    const { config } = buildRecipe(await iscsiHost(), { runtimeBundle: Buffer.from('bundle') });
    expect(config.destination).toEqual({
      path: '/mnt/Backup', marker: '.Disco_Backup_iSCSI.txt',
      mount: { kind: 'systemd', unit: 'mnt-Backup.mount' },
      iscsi: { portals: ['10.9.8.7:3260'], target: IQN, lun: 0 },
    });
  });

  test('network and iSCSI ordering on the .mount, none on the .automount', () => {
    const [mount, automount] = renderMountUnits({ kind: 'automount', mountpoint: '/mnt/Backup', fstype: 'ext4', netdev: true }, 'u-1');
    expect(mount!.content).toMatch(/^Options=noatime,_netdev$/m);
    expect(mount!.content).toMatch(/^After=.*iscsid\.service/m);
    expect(mount!.content).toMatch(/^After=.*network-online\.target/m);
    expect(automount!.path).toMatch(/\.automount$/);
    expect(automount!.content).not.toMatch(/^(After|Wants|Requires)=/m);
  });

  test('before the login the LUN is absent: partition and mkfs are planned for after it, not refused', async () => {
    const { resources } = buildRecipe(await iscsiHost(), { runtimeBundle: Buffer.from('bundle') });
    const lun = `/dev/disk/by-path/ip-10.9.8.7:3260-iscsi-${IQN}-lun-0`;
    const facts = makeFacts({ disk: { configured: lun, aliases: [], probe: {}, signatures: {}, holders: {}, rootNames: {} } });
    const summaries = resources.filter((r) => /^(partition|filesystem):/.test(r.id)).flatMap((r) => r.check(facts)).map((c) => c.summary);
    expect(summaries).toEqual([
      `after the iSCSI login: create a GPT partition table with one partition on ${lun} if it is blank (a disk holding data is refused then, as always)`,
      `create ext4 filesystem labelled linkdest on the new partition of ${lun}`,
    ]);
  });

  test('once the LUN is there, the same safety rule as for a USB disk applies', async () => {
    const { resources } = buildRecipe(await iscsiHost(), { runtimeBundle: Buffer.from('bundle') });
    const partition = resources.find((r) => r.id.startsWith('partition:'))!;
    expect(partition.check(makeFacts({ disk: blankDisk(`/dev/disk/by-path/ip-10.9.8.7:3260-iscsi-${IQN}-lun-0`) })).map((c) => c.summary))
      .toEqual([expect.stringMatching(/^create a GPT partition table with one partition \/dev\/loop\d+p1 on \/dev\/loop\d+$/)]);
  });
});
