/**
 * stopVms / startVms against libvirt's test driver behind a private libvirtd, with real
 * virsh. A guest that ignores ACPI shutdown is a test-driver domain with
 * <on_poweroff>restart</on_poweroff>: `virsh shutdown` succeeds, the domain comes straight
 * back up, exactly what a hung guest looks like from the host.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { ensureDestination } from '../../../runtime/guard.ts';
import type { VmOutcome } from '../../../runtime/run-result.ts';
import { startVms, stopVms, type VmConfig } from '../../../runtime/vms.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startLibvirtTestDaemon, type LibvirtTestDaemon } from './support/libvirt-test-daemon.ts';
import { memoryLogger } from './support/memory-logger.ts';

const usable = isRoot && hasCommand('libvirtd') && hasCommand('virsh') && hasCommand('unshare');

describe.skipIf(!usable)(`VMs stopped and restarted around the backup (libvirt test driver)${rootNote()}`, () => {
  let lv: LibvirtTestDaemon;
  const state = async (d: string): Promise<string> => (await lv.virsh('domstate', d)).stdout.trim();
  const vmCfg = (domains: string[]): VmConfig => ({ uri: lv.uri, domains, shutdown_timeout_s: 1, shutdown_retries: 2 });

  beforeAll(async () => {
    lv = await startLibvirtTestDaemon();
    await lv.defineDomain('mailserver', { start: true });
    await lv.defineDomain('stubborn', { start: true, onPoweroff: 'restart' });
    await lv.defineDomain('spare', { start: false });
    await lv.defineDomain('frozen', { start: true });
  });
  afterAll(async () => { await lv?.stop(); });

  test('a running VM is shut down and started again; one that was off stays off', async () => {
    const log = memoryLogger();
    const { outcomes, allStopped } = await stopVms(vmCfg(['mailserver', 'spare']), log);
    expect(allStopped).toBe(true);
    expect(outcomes).toEqual([
      { domain: 'mailserver', initialState: 'running', wasRunning: true, stopped: true, restarted: false },
      { domain: 'spare', initialState: 'shut off', wasRunning: false, stopped: false, restarted: false },
    ]);
    expect(await state('mailserver')).toBe('shut off');

    const after = await startVms(outcomes, vmCfg(['mailserver', 'spare']), log);
    expect(after.map((o) => [o.domain, o.restarted])).toEqual([['mailserver', true], ['spare', false]]);
    expect(await state('mailserver')).toBe('running');
    expect(await state('spare')).toBe('shut off');
  });

  test('a VM that ignores shutdown: retried, never forced off, allStopped false with the reason', async () => {
    const log = memoryLogger();
    const { outcomes, allStopped } = await stopVms(vmCfg(['stubborn']), log);
    expect(allStopped).toBe(false);
    expect(outcomes[0]).toMatchObject({ domain: 'stubborn', wasRunning: true, stopped: false,
      error: 'did not shut down after 2 x 1 s (still running)' });
    expect(log.lines.filter((l) => l.includes('VM stubborn: shutdown (attempt'))).toHaveLength(2);
    expect(await state('stubborn')).toBe('running');
    const after = await startVms(outcomes, vmCfg(['stubborn']), log);
    expect(after[0]!.restarted).toBe(false);
  });

  test('a paused VM: no shutdown sent, the copy may go ahead with a warning, still paused afterwards', async () => {
    await lv.virsh('suspend', 'frozen');
    const log = memoryLogger();
    const { outcomes, allStopped } = await stopVms(vmCfg(['frozen']), log);
    expect(allStopped).toBe(true);
    expect(outcomes[0]).toMatchObject({ domain: 'frozen', initialState: 'paused', wasRunning: false, stopped: false,
      warning: expect.stringMatching(/^paused: left paused, not shut down .*copied as they were when it was paused.*Shut it down or resume it for a clean copy$/) });
    expect(log.lines.some((l) => l.includes('shutdown (attempt'))).toBe(false);
    const after = await startVms(outcomes, vmCfg(['frozen']), log);
    expect(after[0]).toMatchObject({ restarted: false, warning: outcomes[0]!.warning });
    expect(await state('frozen')).toBe('paused');
  });

  test('a paused VM resumed while the backup ran: the warning says its disks may have changed', async () => {
    const log = memoryLogger();
    const { outcomes } = await stopVms(vmCfg(['frozen']), log);
    await lv.virsh('resume', 'frozen');
    const after = await startVms(outcomes, vmCfg(['frozen']), log);
    expect(after[0]!.warning).toMatch(/; it became running while the backup ran, so its disks may have changed while they were copied$/);
    expect(await state('frozen')).toBe('running');
  });

  test('a domain that does not exist is an error in its outcome, and nothing is started for it', async () => {
    const log = memoryLogger();
    const { outcomes, allStopped } = await stopVms(vmCfg(['no-such-vm']), log);
    expect(allStopped).toBe(false);
    expect(outcomes[0]!.error).toMatch(/^cannot read state: .*no-such-vm/);
    expect(await startVms(outcomes, vmCfg(['no-such-vm']), log)).toEqual(outcomes);
  });

  test('stop, the guard refuses the destination, the VMs still come back', async () => {
    const dest = await mkdtemp(join(tmpdir(), 'linkdest-vm-dest-'));
    const cfg = parseRuntimeConfig({
      destination: { path: dest, marker: '.Disco_Backup_USB.txt' },
      sources: [{ path: '/srv' }],
      vms: vmCfg(['mailserver', 'stubborn']),
    });
    const log = memoryLogger();
    let outcomes: VmOutcome[] = [];
    let caught: unknown;
    try {
      const stop = await stopVms(cfg.vms, log);
      outcomes = stop.outcomes;
      expect(stop.allStopped).toBe(false);
      expect(await state('mailserver')).toBe('shut off');
      await ensureDestination(cfg, log);
    } catch (e) {
      caught = e;
    } finally {
      outcomes = await startVms(outcomes, cfg.vms, log);
    }
    expect(caught).toBeInstanceOf(LinkdestError);
    expect((caught as LinkdestError).step).toBe('guard');
    expect(await readdir(dest)).toEqual([]);
    expect(await state('mailserver')).toBe('running');
    expect(await state('stubborn')).toBe('running');
    expect(outcomes.find((o) => o.domain === 'mailserver')).toMatchObject({ stopped: true, restarted: true });
    await rm(dest, { recursive: true });
  });
});
