/**
 * The VM question of `linkdest init`: the reading of `virsh list --all --name`, and what
 * the step does with it. A host without virsh or with a failing virsh is said and skipped
 * without losing VMs already in linkdest.yml; the list comes from the URI the runtime uses.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runInit } from '../../../provision/wizard/flow.ts';
import { parseVirshNames, virshListing } from '../../../provision/wizard/virsh-list.ts';
import { harness, workdir, type FakeHost } from './fixtures.ts';

describe('virsh list --all --name, read', () => {
  test.each([
    { what: 'running and shut off domains, then virsh\'s blank line', stdout: 'mailserver\nwin10\n\n', names: ['mailserver', 'win10'] },
    { what: 'no domains: only the blank line', stdout: '\n', names: [] },
    { what: 'nothing at all', stdout: '', names: [] },
    { what: 'a name with spaces is kept verbatim', stdout: 'web vm\n\n', names: ['web vm'] },
    { what: 'CRLF line ends', stdout: 'a\r\nb\r\n\r\n', names: ['a', 'b'] },
  ])('$what', ({ stdout, names }) => {
    expect(parseVirshNames(stdout)).toEqual(names);
  });

  test.each([
    { what: 'listed', r: { code: 0, stdout: 'vm1\n\n', stderr: '' }, want: { kind: 'listed', names: ['vm1'] } },
    {
      what: 'libvirtd not running: its error lines as one',
      r: { code: 1, stdout: '', stderr: 'error: failed to connect to the hypervisor\nerror: Failed to connect socket to \'/var/run/libvirt/libvirt-sock\': No such file or directory\n' },
      want: { kind: 'failed', reason: 'failed to connect to the hypervisor: Failed to connect socket to \'/var/run/libvirt/libvirt-sock\': No such file or directory' },
    },
    { what: 'silent failure', r: { code: 1, stdout: '', stderr: '' }, want: { kind: 'failed', reason: 'virsh exited with 1' } },
  ])('$what', ({ r, want }) => {
    expect(virshListing(r)).toEqual(want);
  });
});

let dir: string;
beforeEach(async () => { dir = await workdir(); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });
const opts = () => ({ inventory: join(dir, 'linkdest.yml'), mountpoint: '/mnt/Backup' });
const base = { host: 'marte.lan', identity: '', 'mail-to': '', 'healthcheck-url': '', disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' };
const inventory = async () => parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte;

describe('linkdest init, VMs', () => {
  test('the domains virsh lists are offered; the chosen ones go to the inventory', async () => {
    const host: FakeHost = { vms: ['mailserver', 'win10'] };
    const h = harness({ ...base, vm: ['mailserver'] }, host);
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(host.vmUris).toEqual(['qemu:///system']);
    expect((h.prompts.questions('vm')[0] as { choices: { value: string }[] }).choices.map((c) => c.value)).toEqual(['mailserver', 'win10']);
    expect((await inventory()).vms).toEqual(['mailserver']);
  });

  test('no virsh on the host: the step is skipped with a note saying why', async () => {
    const h = harness(base, {});
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('vm')).toHaveLength(0);
    expect(h.rec.said.join('\n')).toContain('VMs: virsh is not installed on the host, so there are no libvirt VMs to shut down during the backup');
    expect((await inventory()).vms).toBeUndefined();
  });

  test('--vm on a host without virsh is refused: nothing could shut that VM down', async () => {
    const h = harness({}, {}, { ...base, vm: ['mailserver'] }, true);
    await expect(runInit(opts(), h.deps)).rejects.toThrow('--vm: virsh is not installed on the host');
  });

  test('virsh failing (libvirtd down) is said; --vm is then taken unchecked', async () => {
    const h = harness({}, { virshFails: 'failed to connect to the hypervisor' }, { ...base, vm: ['mailserver'] }, true);
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.rec.said.join('\n')).toContain('failed on the host (failed to connect to the hypervisor); taking --vm mailserver unchecked');
    expect((await inventory()).vms).toEqual(['mailserver']);
  });

  test('editing a host with vms: {uri, domains, ...}: listed at that URI, the other keys kept', async () => {
    await writeFile(join(dir, 'linkdest.yml'), [
      'hosts:',
      '  marte:',
      '    ssh: { host: marte.lan }',
      '    sources: [/srv]',
      '    vms: { uri: "qemu+ssh://hv/system", domains: [old], shutdown_timeout: 10m }',
      '',
    ].join('\n'));
    const host: FakeHost = { vms: ['old', 'new'] };
    const h = harness({ ...base, vm: ['old', 'new'] }, host);
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(host.vmUris).toEqual(['qemu+ssh://hv/system']);
    expect(h.prompts.questions('vm')[0]).toMatchObject({ default: ['old'] });
    expect((await inventory()).vms).toEqual({ uri: 'qemu+ssh://hv/system', domains: ['old', 'new'], shutdown_timeout: '10m' });
  });

  test('editing a host whose VMs cannot be listed now keeps them', async () => {
    await writeFile(join(dir, 'linkdest.yml'), 'hosts:\n  marte:\n    ssh: { host: marte.lan }\n    sources: [/srv]\n    vms: [mailserver]\n');
    const h = harness(base, {});
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.rec.said.join('\n')).toContain('; linkdest.yml keeps mailserver.');
    expect((await inventory()).vms).toEqual(['mailserver']);
  });
});
