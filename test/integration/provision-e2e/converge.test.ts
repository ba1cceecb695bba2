/**
 * One systemd host with a blank loop disk and an inventory without a `mount:` key, driven
 * only through `linkdest plan/apply`: the plan names the mount kind the facts chose
 * (automount where the kernel has autofs, else static); a declined prompt changes nothing;
 * apply converges the host (GPT, ext4 with label, mount units, marker, config, runtime,
 * timer); the service writes a snapshot; a second apply runs no mutating command; drift is
 * shown by plan and repaired by apply. Runs on kernels with and without autofs.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import {
  SMALL_DISK_RETENTION, Workdir, e2eUnavailable, fileExists, findFiles, out, parseJson, probe, repoRoot, runCli, sshOf, suiteTitle,
} from './bed.ts';
import { execa } from 'execa';

const reason = e2eUnavailable();
const MOUNT = '/mnt/Backup';
const MARKER = '.linkdest-backup';
const RUNTIME = '/usr/local/lib/linkdest/linkdest-runtime.mjs';
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: converge one systemd host', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let disk: TestDisk;
  let work: Workdir;
  let inv = '';
  let mountUnit = '';
  let automountUnit = '';
  /** The kind an unset `mount` becomes on this kernel, and the unit apply enables for it. */
  let kind: 'automount' | 'static' = 'static';
  let startedUnit = '';

  beforeAll(async () => {
    work = await Workdir.create('converge');
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    disk = await host.attachDisk(256 * 1024 * 1024);
    await host.check(['mkdir', '-p', '/srv/data/sub']);
    await host.check(['sh', '-c', 'echo hello > /srv/data/hello.txt; echo deep > /srv/data/sub/deep.txt']);
    mountUnit = await out(host, ['systemd-escape', '--path', '--suffix=mount', MOUNT]);
    automountUnit = mountUnit.replace(/\.mount$/, '.automount');
    kind = bed.autofs ? 'automount' : 'static';
    startedUnit = kind === 'automount' ? automountUnit : mountUnit;
    inv = await work.inventory({
      hosts: {
        [host.name]: {
          ssh: sshOf(host),
          disk: { usb: { device: disk.device }, label: 'linkdest' },
          mountpoint: MOUNT,
          sources: ['/srv/data'],
          retention: SMALL_DISK_RETENTION,
        },
      },
    });
  });

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('plan on the blank host: exit 2, every change listed, a diff for the config, the mount kind and why', async () => {
    const r = await runCli(['plan', '-i', inv]);
    expect(r.code, r.stderr).toBe(2);
    const why = kind === 'automount' ? 'the host has systemd and autofs' : 'automount cannot work: ';
    expect(r.stdout).toContain(`\n  mount: ${kind}, because mount is unset and ${why}`);
    expect(r.stdout).toContain(`enable and start ${startedUnit}`);
    if (kind === 'static') expect(r.stdout).not.toContain('.automount');
    expect(r.stdout).toMatch(new RegExp(`^${host.name}: \\d+ to change \\(\\d+ create`, 'm'));
    expect(r.stdout).toContain('+++ /etc/linkdest/linkdest.json');
    expect(r.stdout).toContain('+    "path": "/mnt/Backup"');
  });

  test('answering no at the prompt (on a terminal) changes nothing', async () => {
    // `script` gives the CLI a real pseudo-terminal, so the @inquirer prompt itself answers.
    const cmd = `node ${join(repoRoot, 'bin/linkdest.mjs')} apply -i ${inv}`;
    const r = await execa('script', ['-qec', cmd, '/dev/null'], { input: 'n\n', reject: false, timeout: 60_000 });
    expect(r.stdout).toMatch(/Apply \d+ changes to 1 host\?/);
    expect(r.stdout).toContain('apply cancelled; nothing was changed');
    expect(r.exitCode).toBe(1);
    expect(await probe(host, disk.device)).toEqual({});
    expect(await fileExists(host, '/etc/linkdest/linkdest.json')).toBe(false);
  });

  test('apply --yes converges the host and reports it changed', async () => {
    const r = await runCli(['apply', '--yes', '-i', inv]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${host.name}\\s+changed\\s+\\d+`, 'm'));
    expect(r.stderr).toContain(`${host.name}: changed`);
  });

  test('the disk has a GPT with one ext4 partition labelled linkdest', async () => {
    expect((await probe(host, disk.device)).PTTYPE).toBe('gpt');
    expect(await probe(host, `${disk.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest' });
  });

  test('the mount unit exists, the chosen unit (automount, or the mount itself) is enabled and active, the timer too', async () => {
    expect(await fileExists(host, `/etc/systemd/system/${mountUnit}`)).toBe(true);
    expect(await fileExists(host, `/etc/systemd/system/${automountUnit}`)).toBe(kind === 'automount');
    expect(await out(host, ['systemctl', 'is-enabled', startedUnit])).toBe('enabled');
    expect(await out(host, ['systemctl', 'is-active', startedUnit])).toBe('active');
    expect(await out(host, ['systemctl', 'is-enabled', 'linkdest.timer'])).toBe('enabled');
    expect(await out(host, ['systemctl', 'is-active', 'linkdest.timer'])).toBe('active');
  });

  test('marker on the disk, config and the exact runtime bundle installed', async () => {
    expect(await fileExists(host, `${MOUNT}/${MARKER}`)).toBe(true);
    expect(await out(host, ['findmnt', '-n', '-o', 'FSTYPE', '--target', MOUNT])).toContain('ext4');
    const config = JSON.parse(await out(host, ['cat', '/etc/linkdest/linkdest.json']));
    expect(config.destination).toMatchObject({ path: MOUNT, marker: MARKER, mount: { kind: 'systemd', unit: mountUnit } });
    expect(config.sources).toEqual([expect.objectContaining({ path: '/srv/data' })]);
    const bundle = await readFile(join(repoRoot, 'dist/linkdest-runtime.mjs'));
    expect(await out(host, ['sha256sum', RUNTIME])).toContain(sha(bundle));
  });

  test('systemctl start linkdest.service writes a snapshot of the sources on the disk', async () => {
    const r = await host.exec(['systemctl', 'start', 'linkdest.service']);
    const journal = r.code === 0 ? '' : await out(host, ['journalctl', '-u', 'linkdest.service', '-n', '30', '--no-pager']);
    expect(r.code, journal).toBe(0);
    const copies = await findFiles(host, MOUNT, 'hello.txt');
    expect(copies).toHaveLength(1);
    expect(await out(host, ['cat', copies[0]!])).toBe('hello');
    expect(await findFiles(host, MOUNT, 'deep.txt')).toHaveLength(1);
  });

  test('the mount survives daemon-reload', async () => {
    await host.check(['systemctl', 'daemon-reload']);
    expect(await out(host, ['findmnt', '-n', '-o', 'FSTYPE', MOUNT])).toContain('ext4');
    expect(await fileExists(host, `${MOUNT}/${MARKER}`)).toBe(true);
  });

  test('a converged host: plan exits 0, apply changes nothing and runs no mutating command', async () => {
    const plan = await runCli(['plan', '-i', inv]);
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout.trim()).toBe(`${host.name}: in sync`);
    const apply = parseJson(await runCli(['apply', '--yes', '--json', '-i', inv]));
    expect(apply.exit_code).toBe(0);
    expect(apply.hosts[0]).toMatchObject({ status: 'ok', changes: [], commands: { mutating: 0 } });
    expect(apply.hosts[0]!.applied).toBeUndefined();
  });

  test('drift (edited unit, disabled timer, deleted marker, older runtime): plan shows each, apply repairs', async () => {
    await host.check(['sh', '-c', 'echo "# edited by hand" >> /etc/systemd/system/linkdest.service']);
    await host.check(['systemctl', 'disable', '--now', 'linkdest.timer']);
    await host.check(['rm', `${MOUNT}/${MARKER}`]);
    await host.check(['sh', '-c', `echo '// an older runtime' > ${RUNTIME}`]);

    const plan = await runCli(['plan', '-i', inv]);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('-# edited by hand');
    for (const what of ['linkdest.timer', MARKER, RUNTIME]) expect(plan.stdout).toContain(what);

    const apply = parseJson(await runCli(['apply', '--yes', '--json', '-i', inv]));
    expect(apply.exit_code).toBe(0);
    expect(apply.hosts[0]!.status).toBe('changed');
    expect(apply.hosts[0]!.commands?.mutating).toBeGreaterThan(0);

    expect(await out(host, ['systemctl', 'is-enabled', 'linkdest.timer'])).toBe('enabled');
    expect(await out(host, ['cat', '/etc/systemd/system/linkdest.service'])).not.toContain('edited by hand');
    expect(await fileExists(host, `${MOUNT}/${MARKER}`)).toBe(true);
    expect(await out(host, ['sha256sum', RUNTIME])).toContain(sha(await readFile(join(repoRoot, 'dist/linkdest-runtime.mjs'))));
    expect((await runCli(['plan', '-i', inv])).code).toBe(0);
  });
});
