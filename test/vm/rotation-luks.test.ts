/**
 * An encrypted rotation disk on a real kernel (dm-crypt, udev, systemd device units), which
 * the container test bed lacks: `linkdest disk enroll --encrypt` over SSH, a run onto the
 * LUKS container (opened with the key file, closed after the unmount), a reboot and a second
 * run whose unchanged files are hard links into the first snapshot; then the plug-in
 * trigger: the disk unplugged and plugged in again through the QEMU monitor starts no run
 * while its newest snapshot is younger than rotation.min_age, and one once it is older; the
 * recovery passphrase opens the disk by hand; the key and the passphrase are nowhere but in
 * the key file (and the passphrase once, in enrol's output).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { run } from '../testbed/run.ts';
import { ensureVmImage } from './image.ts';
import { bootGuest, type Guest } from './qemu.ts';
import { vmSkipReason } from './skip.ts';
import { TMP_PREFIX } from './stale.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO, 'bin/linkdest.mjs');
const SNAPSHOT_NAME = /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/;
const PASSPHRASE = /\b[cbdefghijklnrtuv]{4}(?:-[cbdefghijklnrtuv]{4}){7}\b/;
const KEY_FILE = '/etc/linkdest/keys/A.key';
const MAPPER = '/dev/mapper/linkdest-A';
const ATTACH_UNIT = 'linkdest-attach-A.service';
/** Where a check opens the disk read-only by hand (never where the run mounts it). */
const LOOK = '/run/linkdest-test-look';

const skip = vmSkipReason() ?? (existsSync(join(REPO, 'dist/linkdest.mjs')) ? undefined : 'dist/ is missing: run `npm run build` first');

describe.skipIf(skip !== undefined)(`an encrypted rotation disk and the plug-in trigger in a QEMU guest${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let guest: Guest | undefined;
  let dir = '';
  let inventory = '';
  let diskImage = '';
  let passphrase = '';
  let luksUuid = '';
  /** Every linkdest output of the scenario but enrol's, where the passphrase is shown once. */
  const outputs: string[] = [];
  let enrolOutput = '';
  let enrolled = false;
  let ran = false;

  const g = () => {
    if (!guest) throw new Error('vm: guest not booted');
    return guest;
  };
  const linkdest = async (...args: string[]) => {
    const r = await run(process.execPath, [CLI, ...args], { allowFail: true, timeoutMs: 900_000 });
    return { ...r, output: `linkdest ${args.join(' ')} -> ${r.code}\n${r.stdout}\n${r.stderr}` };
  };
  const writeInventory = async (minAge: string) => {
    const gu = g();
    const existing = existsSync(inventory) ? await readFile(inventory, 'utf8') : '';
    // After enrolment the inventory holds the disk: only min_age changes, by text, as a person would.
    if (existing.includes('luks_uuid')) {
      await writeFile(inventory, existing.replace(/min_age: \S+/, `min_age: ${minAge}`));
      return;
    }
    await writeFile(inventory, stringify({
      hosts: {
        vm: {
          ssh: { host: gu.host, port: gu.port, user: 'root', identity: gu.identity, known_hosts: gu.knownHosts },
          disk: { rotation: { run_on_attach: true, min_age: minAge } },
          sources: ['/srv/data'],
          retention: { min_free_before: '10M', min_free_after: '10M', min_inodes_before: 1000, min_inodes_after: 1000 },
        },
      },
    }));
  };
  const runBackup = async () => {
    const r = await g().exec(['systemctl', 'start', 'linkdest.service'], { allowFail: true });
    if (r.code === 0) return;
    const log = await g().exec(['journalctl', '-b', '-u', 'linkdest.service', '--no-pager', '-n', '40', '-o', 'cat'], { allowFail: true });
    throw new Error(`linkdest.service failed in the guest:\n${log.stdout}`);
  };
  /** Opens the disk read-only with the key file (as the run does) for a look, then closes it. */
  const onDisk = async <T>(look: () => Promise<T>): Promise<T> => {
    await g().exec(['cryptsetup', 'open', '--readonly', '--key-file', KEY_FILE, `/dev/disk/by-uuid/${luksUuid}`, 'linkdest-test-look']);
    try {
      await g().exec(['mkdir', '-p', LOOK]);
      await g().exec(['mount', '-o', 'ro', '/dev/mapper/linkdest-test-look', LOOK]);
      try {
        return await look();
      } finally {
        await g().exec(['umount', LOOK]);
      }
    } finally {
      await g().exec(['cryptsetup', 'close', 'linkdest-test-look']);
    }
  };
  const snapshots = () => onDisk(async () => (await g().exec(['ls', '-1', `${LOOK}/vm`])).stdout.split('\n').filter((n) => SNAPSHOT_NAME.test(n)));
  /** After a run: the filesystem is unmounted and the container closed again. */
  const expectLockedAgain = async () => {
    expect((await g().exec(['findmnt', '-rn', '/mnt/Backup'], { allowFail: true })).stdout.trim(), 'the disk is still mounted after the run').toBe('');
    expect((await g().exec(['test', '-e', MAPPER], { allowFail: true })).code, `${MAPPER} is still open after the run`).not.toBe(0);
  };
  /** Journal lines of the trigger unit since `cursor` (and the new cursor). */
  const attachJournal = async (cursor: string) => {
    const r = await g().exec(['journalctl', '-u', ATTACH_UNIT, '--no-pager', '-o', 'cat', '--show-cursor', ...(cursor ? ['--after-cursor', cursor] : [])], { allowFail: true });
    const m = /-- cursor: (\S+)/.exec(r.stdout);
    return { text: r.stdout.replace(/-- cursor: \S+\n?/, ''), cursor: m?.[1] ?? cursor };
  };
  const journalCursor = async () => (await attachJournal('')).cursor;
  /** Unplugs the disk, waits until the guest has let it go, plugs it in again. */
  const replug = async () => {
    const gu = g();
    await gu.unplugDisk('bk');
    await expect.poll(async () => (await gu.exec(['test', '-e', `/dev/disk/by-uuid/${luksUuid}`], { allowFail: true })).code, { timeout: 60_000, interval: 1000 }).not.toBe(0);
    await gu.plugDisk('bk', diskImage);
  };
  /** Waits for the trigger unit to have run after `cursor` and finished; returns its journal lines. */
  const triggered = async (cursor: string): Promise<string> => {
    let text = '';
    await expect.poll(async () => {
      text = (await attachJournal(cursor)).text;
      const state = (await g().exec(['systemctl', 'show', '-p', 'ActiveState', '--value', ATTACH_UNIT])).stdout.trim();
      return /: (starting a run|no run)$/m.test(text) && (state === 'inactive' || state === 'failed');
    }, { timeout: 600_000, interval: 2000 }).toBe(true);
    return text;
  };
  /** Files on the guest holding `secret`, with their modes. */
  const filesHolding = async (secret: string) => {
    const r = await g().exec(['sh', '-c', 'grep -rlsF -D skip -f /dev/stdin /etc /root /var/log /var/lib/linkdest /tmp /var/tmp /run /opt /usr/local /home | xargs -r stat -c "%a %U %n"'], { input: `${secret}\n`, allowFail: true });
    return r.stdout.split('\n').filter(Boolean);
  };

  beforeAll(async () => {
    const image = await ensureVmImage((line) => console.log(line));
    dir = await mkdtemp(join(tmpdir(), `${TMP_PREFIX}rot-`));
    diskImage = join(dir, 'backup-disk.raw');
    await run('truncate', ['-s', '512M', diskImage]);
    guest = await bootGuest({ image, disks: [{ id: 'bk', file: diskImage }] });
    console.log(`vm: guest reached ssh after ${guest.bootSeconds[0]} s`);
    inventory = join(dir, 'linkdest.yml');
    await guest.exec(['sh', '-c', 'mkdir -p /srv/data/sub && echo hello > /srv/data/sub/a.txt && echo first > /srv/data/changes.txt && head -c 1M /dev/urandom > /srv/data/blob']);
    await writeInventory('20h');
  }, 900_000);

  afterAll(async () => {
    await guest?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('enrol --encrypt: LUKS2 with a root-only key file and a recovery slot, the passphrase shown once, the disk closed again', async () => {
    const applied = await linkdest('apply', '--yes', '-i', inventory);
    outputs.push(applied.output);
    expect(applied.code, applied.output).toBe(0);
    const r = await linkdest('--debug', 'disk', 'enroll', 'vm', '/dev/disk/by-id/virtio-bk', '--id', 'A', '--encrypt', '-i', inventory);
    enrolOutput = r.output;
    expect(r.code, r.output).toBe(0);
    const shown = PASSPHRASE.exec(r.stdout);
    expect(shown, `no recovery passphrase in:\n${r.output}`).not.toBeNull();
    passphrase = shown![0];
    expect(r.stdout.split(passphrase).length - 1, 'the passphrase is shown exactly once').toBe(1);
    const text = await readFile(inventory, 'utf8');
    luksUuid = /luks_uuid: ([0-9a-f-]{36})/.exec(text)?.[1] ?? '';
    expect(luksUuid, text).not.toBe('');
    const gu = g();
    expect((await gu.exec(['stat', '-c', '%a %U %G', KEY_FILE])).stdout.trim()).toBe('600 root root');
    expect((await gu.exec(['stat', '-c', '%a %U', '/etc/linkdest/keys'])).stdout.trim()).toBe('700 root');
    expect((await gu.exec(['ls', '-A', '/etc/linkdest/keys'])).stdout.trim()).toBe('A.key');
    const dump = (await gu.exec(['cryptsetup', 'luksDump', `/dev/disk/by-uuid/${luksUuid}`])).stdout;
    expect(dump).toMatch(/^Version:\s+2$/m);
    expect(dump.slice(dump.indexOf('Keyslots:'), dump.indexOf('Tokens:')).match(/^\s+\d+: luks2$/gm)).toHaveLength(2);
    await expectLockedAgain();
    // The plug-in trigger unit comes with the next apply; enabled, not started.
    const again = await linkdest('apply', '--yes', '-i', inventory);
    outputs.push(again.output);
    expect(again.code, again.output).toBe(0);
    expect((await gu.exec(['systemctl', 'is-enabled', ATTACH_UNIT])).stdout.trim()).toBe('enabled');
    enrolled = true;
  }, 1_200_000);

  test('a run opens the container, snapshots onto it, unmounts and closes it', async (ctx) => {
    if (!enrolled) ctx.skip();
    await runBackup();
    await expectLockedAgain();
    const taken = await snapshots();
    expect(taken).toHaveLength(1);
    const copy = await onDisk(async () => (await g().exec(['find', `${LOOK}/vm/${taken[0]}`, '-name', 'a.txt', '-exec', 'cat', '{}', '+'])).stdout);
    expect(copy).toContain('hello');
    const log = (await g().exec(['journalctl', '-b', '-u', 'linkdest.service', '--no-pager', '-o', 'cat'])).stdout;
    expect(log).toMatch(/opening encrypted disk .* as \/dev\/mapper\/linkdest-A/);
    expect(log).toMatch(/closing encrypted disk \/dev\/mapper\/linkdest-A/);
    ran = true;
  }, 900_000);

  test('after a reboot: the trigger ran at boot and found the snapshot too young; a second run hard-links what did not change', async (ctx) => {
    if (!ran) ctx.skip();
    const gu = g();
    await gu.reboot();
    console.log(`vm: guest back on ssh ${gu.bootSeconds[1]} s after reboot`);
    expect((await gu.exec(['systemctl', '--failed', '--no-legend', '--plain'])).stdout.trim()).toBe('');
    // The disk was there at boot: its device unit pulled the trigger in, and min_age (20h) said no.
    const boot = (await gu.exec(['journalctl', '-b', '-u', ATTACH_UNIT, '--no-pager', '-o', 'cat'])).stdout;
    expect(boot).toMatch(/disk A was attached; its newest snapshot is only \S+ old \(min_age 20h0m\): no run/);
    await expectLockedAgain();
    await gu.exec(['sh', '-c', 'echo second > /srv/data/changes.txt']);
    await runBackup();
    await expectLockedAgain();
    const taken = await snapshots();
    expect(taken).toHaveLength(2);
    const inodes = await onDisk(async () => (await gu.exec(['sh', '-c', 'cd "$1/vm" && for s in "$2" "$3"; do stat -c %i "$(find "$s" -name blob)" "$(find "$s" -name changes.txt)"; done', 'sh', LOOK, taken[0]!, taken[1]!])).stdout.trim().split('\n'));
    const [blob1, changes1, blob2, changes2] = inodes;
    expect(blob2, 'the unchanged file is a hard link into the first snapshot').toBe(blob1);
    expect(changes2, 'the changed file is a new copy').not.toBe(changes1);
  }, 1_200_000);

  test('plug-in trigger: a replug within min_age starts no run; once the newest snapshot is older, a replug starts one', async (ctx) => {
    if (!ran) ctx.skip();
    const before = (await snapshots()).length;
    let cursor = await journalCursor();
    await replug();
    const young = await triggered(cursor);
    expect(young).toMatch(/disk A was attached; its newest snapshot is only \S+ old \(min_age 20h0m\): no run/);
    expect(await snapshots()).toHaveLength(before);

    await writeInventory('5s');
    const applied = await linkdest('apply', '--yes', '-i', inventory);
    outputs.push(applied.output);
    expect(applied.code, applied.output).toBe(0);
    await new Promise((r) => setTimeout(r, 6000));
    cursor = await journalCursor();
    await replug();
    const due = await triggered(cursor);
    expect(due).toMatch(/disk A was attached; its newest snapshot is \S+ old \(min_age 5s\): starting a run/);
    expect((await g().exec(['systemctl', 'show', '-p', 'Result', '--value', ATTACH_UNIT])).stdout.trim(), due).toBe('success');
    await expectLockedAgain();
    expect(await snapshots()).toHaveLength(before + 1);
  }, 1_200_000);

  test('the recovery passphrase opens the disk by hand (as on another machine), and the data is there', async (ctx) => {
    if (!enrolled) ctx.skip();
    const gu = g();
    // As a person would after losing the host: the key file is not used, only the passphrase.
    await gu.exec(['cryptsetup', 'open', '--readonly', `/dev/disk/by-uuid/${luksUuid}`, 'rescue'], { input: `${passphrase}\n` });
    try {
      await gu.exec(['mkdir', '-p', '/mnt/rescue']);
      await gu.exec(['mount', '-o', 'ro', '/dev/mapper/rescue', '/mnt/rescue']);
      try {
        const copy = await gu.exec(['find', '/mnt/rescue/vm', '-name', 'a.txt', '-exec', 'cat', '{}', '+']);
        expect(copy.stdout).toContain('hello');
      } finally {
        await gu.exec(['umount', '/mnt/rescue']);
      }
    } finally {
      await gu.exec(['cryptsetup', 'close', 'rescue']);
    }
    const wrong = await gu.exec(['cryptsetup', 'open', '--test-passphrase', `/dev/disk/by-uuid/${luksUuid}`], { input: 'cccc-cccc-cccc-cccc-cccc-cccc-cccc-cccc\n', allowFail: true });
    expect(wrong.code).not.toBe(0);
  }, 600_000);

  test('the key and the passphrase are in no output, log or file but the key file (and the passphrase once, at enrolment)', async (ctx) => {
    if (!enrolled) ctx.skip();
    const gu = g();
    const key = (await gu.exec(['cat', KEY_FILE])).stdout;
    expect(key).toMatch(/^[0-9a-f]{128}$/);
    const planned = await linkdest('--debug', 'plan', '-i', inventory);
    outputs.push(planned.output);
    expect(planned.code, planned.output).toBe(0);
    for (const o of outputs) {
      expect(o).not.toContain(key);
      expect(o).not.toContain(passphrase);
    }
    expect(enrolOutput, 'enrol ran with --debug: every command it ran is in its output').toContain('luksFormat');
    expect(enrolOutput).not.toContain(key);
    expect(await filesHolding(key)).toEqual([`600 root ${KEY_FILE}`]);
    expect(await filesHolding(passphrase)).toEqual([]);
    const journal = await gu.exec(['sh', '-c', 'journalctl --no-pager -o cat | grep -cF -f /dev/stdin || true'], { input: `${key}\n${passphrase}\n` });
    expect(journal.stdout.trim()).toBe('0');
    const control = await run('grep', ['-rlF', '--exclude=backup-disk.raw', '-e', key, '-e', passphrase, dir], { allowFail: true });
    expect(control.stdout.trim(), 'a secret reached the control machine\'s files').toBe('');
  }, 600_000);
});
