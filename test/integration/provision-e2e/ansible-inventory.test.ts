/**
 * Two test-bed hosts described three ways: linkdest.yml, an Ansible INI inventory and an
 * Ansible YAML inventory, both with group_vars/ and host_vars/. The three plans are the same
 * change for change; apply driven by the INI inventory converges the hosts, after which the
 * linkdest.yml and YAML descriptions find nothing to change (the same files on the hosts);
 * `--limit` takes an Ansible group; `inventory show` gives the same settings for all three.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestDisk, type Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, Workdir, e2eUnavailable, parseJson, probe, runCli, sshOf, suiteTitle, type JsonHost } from './bed.ts';

const reason = e2eUnavailable();

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: an Ansible inventory drives plan and apply like linkdest.yml', reason), () => {
  let bed: Testbed;
  let disks: TestDisk[];
  let work: Workdir;
  let linkdestYml = '';
  let ini = '';
  let yml = '';

  const write = async (rel: string, text: string) => {
    const file = join(work.dir, rel);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  };

  beforeAll(async () => {
    work = await Workdir.create('ansible');
    bed = await startHosts(2);
    disks = [];
    for (const h of bed.hosts) {
      disks.push(await h.attachDisk(64 * 1024 * 1024));
      await h.check(['mkdir', '-p', '/srv/data', '/srv/etc']);
    }
    const [a, b] = bed.hosts as [typeof bed.hosts[0], typeof bed.hosts[0]];
    const shared = { mount: 'static', sources: ['/srv/data'], retention: SMALL_DISK_RETENTION, schedule: '*-*-* 04:30:00' };

    linkdestYml = await work.inventory({
      defaults: shared,
      groups: { lab: { hosts: [a.name, b.name] } },
      hosts: {
        [a.name]: { ssh: sshOf(a), disk: { usb: { device: disks[0]!.device } } },
        [b.name]: { ssh: sshOf(b), disk: { usb: { device: disks[1]!.device } }, sources: ['/srv/data', '/srv/etc'] },
      },
    });

    // The same hosts as an Ansible user has them: connection variables, a group, vars files.
    const conn = (h: typeof a) => `ansible_host=${h.address} ansible_port=22 ansible_user=root ansible_ssh_private_key_file=${h.ssh.identity}`;
    ini = await write('ansible-ini/hosts', [
      '[web]', 'www[01:03].example.net', '',
      '[lab]', `${a.name} ${conn(a)}`, `${b.name} ${conn(b)}`, '',
      '[backup:children]', 'lab', '',
      '[backup:vars]', `ansible_ssh_common_args='-o UserKnownHostsFile=${a.ssh.known_hosts} -o StrictHostKeyChecking=yes'`, '',
    ].join('\n'));
    const groupVars = `linkdest:\n  mount: static\n  sources: [/srv/data]\n  retention: ${JSON.stringify(SMALL_DISK_RETENTION)}\n  schedule: "*-*-* 04:30:00"\n`;
    await write('ansible-ini/group_vars/backup/linkdest.yml', groupVars);
    await write('ansible-ini/group_vars/all', 'ntp_server: ntp.example.net\n');
    await write(`ansible-ini/host_vars/${a.name}.yml`, `linkdest:\n  disk: {usb: {device: ${disks[0]!.device}}}\n`);
    await write(`ansible-ini/host_vars/${b.name}/linkdest.yaml`, `linkdest:\n  disk: {usb: {device: ${disks[1]!.device}}}\n  sources: [/srv/data, /srv/etc]\n`);

    const hostYaml = (h: typeof a) => `        ${h.name}:\n          ansible_host: ${h.address}\n          ansible_ssh_private_key_file: ${h.ssh.identity}\n`;
    yml = await write('ansible-yaml/inventory.yml', [
      'all:',
      '  vars:',
      '    ansible_user: root',
      `    ansible_ssh_common_args: -o UserKnownHostsFile=${a.ssh.known_hosts}`,
      '  children:',
      '    backup:',
      '      children:',
      '        lab:',
      '    lab:',
      '      hosts:',
      hostYaml(a) + hostYaml(b).trimEnd(),
      '    web:',
      '      hosts:',
      '        www[01:03].example.net:',
      '',
    ].join('\n'));
    await write('ansible-yaml/group_vars/backup.yml', groupVars);
    await write(`ansible-yaml/host_vars/${a.name}.json`, JSON.stringify({ linkdest: { disk: { usb: { device: disks[0]!.device } } } }));
    await write(`ansible-yaml/host_vars/${b.name}.yml`, `linkdest:\n  disk: {usb: {device: ${disks[1]!.device}}}\n  sources: [/srv/data, /srv/etc]\n`);
  });

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  const changes = (hosts: JsonHost[]) => Object.fromEntries(hosts.map((h) => [h.host, { status: h.status, changes: h.changes }]));

  test('inventory show: the same settings from all three files', async () => {
    const show = async (file: string) => {
      const r = await runCli(['inventory', 'show', '--json', '-i', file]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, { groups: string[]; settings: Record<string, unknown> }>;
    };
    const fromIni = await show(ini);
    expect(Object.keys(fromIni)).toEqual(bed.hosts.map((h) => h.name));
    expect(fromIni[bed.hosts[0]!.name]!.groups).toEqual(['backup', 'lab']);
    // Built specs (not the settings as written) are what must agree: compare the plans below.
    expect(Object.keys(await show(yml))).toEqual(bed.hosts.map((h) => h.name));
    expect(Object.keys(await show(linkdestYml))).toEqual(bed.hosts.map((h) => h.name));
  });

  test('plan: the INI and YAML inventories give the plan linkdest.yml gives', async () => {
    const reference = parseJson(await runCli(['plan', '--json', '-i', linkdestYml]));
    expect(reference.exit_code).toBe(2);
    expect(reference.hosts.map((h) => h.status)).toEqual(['changed', 'changed']);
    const fromIni = parseJson(await runCli(['plan', '--json', '-i', ini]));
    const fromYaml = parseJson(await runCli(['plan', '--json', '-i', yml]));
    expect(changes(fromIni.hosts)).toEqual(changes(reference.hosts));
    expect(changes(fromYaml.hosts)).toEqual(changes(reference.hosts));
  });

  test('--limit takes an Ansible group name', async () => {
    const r = parseJson(await runCli(['plan', '--json', '--limit', 'lab', '-i', ini]));
    expect(r.hosts.map((h) => h.host)).toEqual(bed.hosts.map((h) => h.name));
    const none = await runCli(['plan', '--limit', 'web', '-i', ini]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--limit: unknown host or group "web"');
  });

  test('apply from the INI inventory converges; linkdest.yml and the YAML inventory then find nothing to change', async () => {
    const r = await runCli(['apply', '--yes', '-i', ini]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const [i, h] of bed.hosts.entries()) expect(await probe(h, `${disks[i]!.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest' });
    for (const file of [linkdestYml, yml, ini]) {
      const plan = parseJson(await runCli(['plan', '--json', '-i', file]));
      expect(plan.hosts.map((h) => [h.host, h.status, h.changes]), file).toEqual(bed.hosts.map((h) => [h.name, 'ok', []]));
      expect(plan.exit_code).toBe(0);
    }
  });
});
