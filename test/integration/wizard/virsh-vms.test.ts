/**
 * The VM step's listing with the real virsh, through the same Transport code the wizard
 * runs on a host: here the control machine itself (LocalTransport), where libvirt's test
 * driver runs (a private libvirtd, see libvirt-test-daemon.ts). Test-bed hosts have no
 * libvirt; init-mail-e2e shows the step skipped there with its reason.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalTransport } from '../../../provision/transport/local.ts';
import { transportProbe } from '../../../provision/wizard/host-probe.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startLibvirtTestDaemon, type LibvirtTestDaemon } from '../runtime-periphery/support/libvirt-test-daemon.ts';

const ready = isRoot && hasCommand('libvirtd') && hasCommand('virsh') && hasCommand('unshare');

describe.skipIf(!ready)(`linkdest init: libvirt domains listed by the real virsh${rootNote()}`, () => {
  let libvirt: LibvirtTestDaemon;
  const probe = transportProbe(new LocalTransport({ name: 'local' }));

  beforeAll(async () => {
    libvirt = await startLibvirtTestDaemon();
    await libvirt.defineDomain('mailserver', { start: true });
    await libvirt.defineDomain('win10', { start: false });
  }, 60_000);
  afterAll(async () => { await libvirt?.stop(); });

  test('running and shut off domains alike, at the URI asked for', async () => {
    const listing = await probe.vms(libvirt.uri);
    expect(listing.kind).toBe('listed');
    // The test driver brings its own domain "test" besides the two defined here.
    expect(listing.kind === 'listed' && [...listing.names].sort()).toEqual(['mailserver', 'test', 'win10']);
  });

  test('a libvirt that does not answer: the reason, in one line', async () => {
    const listing = await probe.vms(`test+unix:///default?socket=/run/linkdest-no-such-libvirt-${process.pid}/sock`);
    expect(listing.kind).toBe('failed');
    const reason = listing.kind === 'failed' ? listing.reason : '';
    expect(reason).toMatch(/^failed to connect to the hypervisor: .*No such file or directory$/);
    expect(reason).not.toContain('\n');
  });
});
