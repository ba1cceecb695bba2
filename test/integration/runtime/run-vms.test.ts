/**
 * The VMs around a full run (runtime/run.ts and the real CLI), against libvirt's test
 * driver behind a private libvirtd: restarted when the copy fails, when the run is
 * SIGTERMed mid-rsync, and when one VM refuses to stop (then nothing is copied at all).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { listSet } from '../../../runtime/layout.ts';
import { pollUntil } from '../../../runtime/poll.ts';
import { runNightly } from '../../../runtime/run.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { pathWithout } from '../../support/path-without.ts';
import { startLibvirtTestDaemon, type LibvirtTestDaemon } from '../runtime-periphery/support/libvirt-test-daemon.ts';
import { startSmtpServer, type SmtpTestServer } from '../runtime-periphery/support/smtp-test-server.ts';
import { runConfig } from './support/run-config.ts';

const root = join(import.meta.dirname, '../../..');
const usable = isRoot && hasCommand('libvirtd') && hasCommand('virsh') && hasCommand('unshare');
/** pids whose command line names `path` (an rsync left running would). */
function processesMentioning(path: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(path);
    } catch {
      return false;
    }
  }).map(Number);
}
const fast = { report: { mailRetryBudgetMs: 0, mail: { timeoutMs: 5_000 } } };

describe.skipIf(!usable)(`VMs around a full run (libvirt test driver)${rootNote()}`, () => {
  let lv: LibvirtTestDaemon;
  let smtp: SmtpTestServer;
  let work: string;
  let n = 0;
  const state = async (d: string): Promise<string> => (await lv.virsh('domstate', d)).stdout.trim();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-run-vms-'));
    lv = await startLibvirtTestDaemon();
    for (const d of ['mail', 'web']) await lv.defineDomain(d, { start: true });
    await lv.defineDomain('stubborn', { start: true, onPoweroff: 'restart' });
    await lv.defineDomain('paused', { start: true });
    await lv.virsh('suspend', 'paused');
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await lv?.stop();
    await smtp?.close();
    rmSync(work, { recursive: true, force: true });
  });

  function setup(domains: string[], source: string, extra: string[] = []): ReturnType<typeof runConfig> {
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    return runConfig(dir, join(dir, 'dest'), [source], {
      vms: { uri: lv.uri, domains, shutdown_timeout_s: 1, shutdown_retries: 2 },
      rsync: { rsh: ['ssh'], acls: true, xattrs: true, extra_args: extra },
      report: { mail: { to: ['admin@example.test'], from: 'linkdest@example.test', style: 'report', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } } },
    });
  }

  test('the copy fails (source not mounted): VMs were stopped for it and run again afterwards; the run fails', async () => {
    const cfg = setup(['mail', 'web'], join(work, 'not-mounted'));
    const r = await runNightly(cfg, fast);
    expect([r.status, r.exitCode]).toEqual(['failed', 1]);
    expect(r.errors).toEqual([expect.stringMatching(/^sources: .*not-mounted: not a directory on this host \(not mounted\? a typo\?\); nothing was pruned or written$/)]);
    expect(r.vms.map((v) => [v.domain, v.stopped, v.restarted])).toEqual([['mail', true, true], ['web', true, true]]);
    expect([await state('mail'), await state('web')]).toEqual(['running', 'running']);
    expect(existsSync(join(cfg.state_dir, 'linkdest.lock'))).toBe(false);
  });

  test('rsync missing on the host (the real CLI, a PATH without it): one line, exit 1, the VMs untouched, the report sent', async () => {
    const src = join(work, 'src-no-rsync');
    mkdirSync(src);
    writeFileSync(join(src, 'disk.img'), 'vm image\n');
    const cfg = setup(['mail', 'web'], src);
    const config = join(work, `case${n}`, 'linkdest.json');
    writeFileSync(config, JSON.stringify(cfg));
    const ids = async (): Promise<string[]> => Promise.all(['mail', 'web'].map(async (d) => (await lv.virsh('domid', d)).stdout.trim()));
    const before = await ids();
    const noRsync = pathWithout('rsync');
    try {
      const r = await execa(process.execPath, ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, 'run'], {
        cwd: root, reject: false, env: { ...process.env, PATH: noRsync.path },
      });
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/prerequisites: rsync is not installed on this host \(not found on PATH\); install .*, then run again/);
    } finally {
      noRsync.remove();
    }
    // Not stopped and started again: a restarted domain gets a new id.
    expect(await ids()).toEqual(before);
    expect([await state('mail'), await state('web')]).toEqual(['running', 'running']);
    expect(existsSync(join(cfg.destination.path, 'set'))).toBe(false);
    const mail = smtp.received.at(-1)!;
    expect(mail.subject).toMatch(/: FAILED \(/);
    expect(mail.body).toContain('rsync is not installed on this host');
    expect(mail.body).not.toMatch(/VM (mail|web): was running/);
  });

  test('a VM that refuses to stop: backup skipped, the report says why, the other VM is started again', async () => {
    const src = join(work, 'src-refuse');
    mkdirSync(src);
    writeFileSync(join(src, 'disk.img'), 'vm image\n');
    const cfg = setup(['mail', 'stubborn'], src);
    const r = await runNightly(cfg, fast);
    expect([r.status, r.exitCode]).toEqual(['skipped', 1]);
    expect(r.errors).toEqual(['VM stubborn: did not shut down after 2 x 1 s (still running): backup skipped']);
    expect(existsSync(join(cfg.destination.path, 'set'))).toBe(false);
    expect(r.vms.find((v) => v.domain === 'mail')).toMatchObject({ stopped: true, restarted: true });
    expect([await state('mail'), await state('stubborn')]).toEqual(['running', 'running']);
    const mail = smtp.received.at(-1)!;
    expect(mail.subject).toMatch(/: SKIPPED \(/);
    expect(mail.body).toContain('Error: VM stubborn: did not shut down after 2 x 1 s (still running): backup skipped');
    expect(mail.body).toContain('VM mail: was running, stopped, restarted');
  });

  test('a paused VM beside a running one: the snapshot is taken, the run warns, the paused one stays paused', async () => {
    const src = join(work, 'src-paused');
    mkdirSync(src);
    writeFileSync(join(src, 'disk.img'), 'vm image\n');
    const cfg = setup(['mail', 'paused'], src);
    const r = await runNightly(cfg, fast);
    expect([r.status, r.exitCode]).toEqual(['warning', 2]);
    expect(r.snapshot).toBeDefined();
    expect(readFileSync(join(r.snapshot!, src, 'disk.img'), 'utf8')).toBe('vm image\n');
    expect(r.warnings).toEqual([expect.stringMatching(/^VM paused: paused: left paused, not shut down/)]);
    expect([await state('mail'), await state('paused')]).toEqual(['running', 'paused']);
    const mail = smtp.received.at(-1)!;
    expect(mail.body).toContain('VM paused: was paused, left as it was');
    expect(mail.body).toContain('VM mail: was running, stopped, restarted');
  });

  test('the log directory turns read-only mid-run: nothing throws, the VMs come back, the snapshot is taken, the report has the whole log', async () => {
    const src = join(work, 'src-rolog');
    mkdirSync(src);
    writeFileSync(join(src, 'disk.img'), 'vm image\n');
    const cfg = setup(['mail'], src);
    cfg.report.mail!.style = 'all';
    const logs = cfg.log.dir;
    mkdirSync(logs, { recursive: true });
    await execa('mount', ['--bind', logs, logs]);
    try {
      // The pre hook runs once the log file exists: every later write to it fails.
      cfg.hooks.pre = [['mount', '-o', 'remount,bind,ro', logs]];
      const r = await runNightly(cfg, fast);
      expect([r.status, r.exitCode]).toEqual(['warning', 2]);
      expect(r.warnings).toEqual([expect.stringMatching(/^log: cannot write the log file .*: EROFS: read-only file system; this run's log is only on stdout and in the report$/)]);
      expect(r.snapshot).toBeDefined();
      expect(r.vms.find((v) => v.domain === 'mail')).toMatchObject({ stopped: true, restarted: true });
      expect(await state('mail')).toBe('running');
      const body = smtp.received.at(-1)!.body;
      expect(body).toMatch(/VM mail: start/); // logged after the file was given up, still in the report
      expect(readdirSync(logs).map((f) => readFileSync(join(logs, f), 'utf8')).join('')).not.toMatch(/VM mail: start/);
    } finally {
      await execa('umount', [logs]);
    }
  });

  test('SIGTERM while rsync copies: rsync stopped, VMs restarted, lock released, partial kept, report sent, exit 1', async () => {
    const src = join(work, 'src-term');
    mkdirSync(src);
    writeFileSync(join(src, 'big.img'), Buffer.alloc(16 * 1024 * 1024, 3));
    const cfg = setup(['mail', 'web'], src, ['--bwlimit=1m']);
    const config = join(work, `case${n}`, 'linkdest.json');
    writeFileSync(config, JSON.stringify(cfg));
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, 'run'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const set = join(cfg.destination.path, 'set');
    // rsync is mid-file once big.img exists in the partial (a first snapshot writes it in place,
    // fast-path.ts writeInPlace; else a temp file) and is not whole yet.
    const copying = await pollUntil(async () => {
      const p = existsSync(set) ? readdirSync(set).find((x) => x.endsWith('.partial')) : undefined;
      const dir = p && join(set, p, src.slice(1));
      if (!dir || !existsSync(dir)) return undefined;
      const writing = readdirSync(dir).find((x) => x.startsWith('.big.img.') || x === 'big.img');
      return writing && statSync(join(dir, writing)).size < 16 * 1024 * 1024 ? true : undefined;
    }, 60_000, 20);
    expect(copying, out).toBe(true);
    expect(await state('mail')).toBe('shut off');
    child.kill('SIGTERM');
    expect(await exited, out).toBe(1);
    expect(out).toContain('received SIGTERM: stopping the copy, restarting VMs, reporting');
    expect(processesMentioning(set)).toEqual([]);
    expect([await state('mail'), await state('web')]).toEqual(['running', 'running']);
    expect(existsSync(join(cfg.state_dir, 'linkdest.lock'))).toBe(false);
    const listing = await listSet(set);
    expect(listing.complete).toEqual([]);
    expect(listing.partials).toHaveLength(1);
    const mail = smtp.received.at(-1)!;
    expect(mail.subject).toMatch(/: FAILED \(/);
    expect(mail.body).toContain('Error: interrupted by SIGTERM');
    expect(mail.body).toMatch(/the partial \S+\.partial is kept and the next run resumes it/);
  });
});
