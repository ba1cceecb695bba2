/**
 * The gather script for real on this machine through LocalTransport (it only reads): a
 * loop disk partitioned and formatted here is seen as the parsers expect, and hostile
 * paths come back as facts about exactly those paths without being run by the shell.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commandNote, hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { LocalTransport } from '../../../provision/transport/local.ts';
import { gatherFacts } from '../../../provision/facts/gather.ts';
import { assessDisk } from '../../../provision/resources/disk-state.ts';

const dir = mkdtempSync(join(tmpdir(), 'linkdest-gather-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gather with hostile paths', () => {
  test('facts for exactly the named files; nothing executed', async () => {
    const evil = join(dir, `a b $(touch linkdest-pwned); 'q' "d" \`id\``);
    mkdirSync(evil);
    writeFileSync(join(evil, 'f.txt'), 'hello\n', { mode: 0o640 });
    writeFileSync(join(dir, 'secret'), 'hunter2\n', { mode: 0o600 });
    const t = new LocalTransport({ name: 'local' });
    const facts = await gatherFacts(t, { files: [{ path: join(evil, 'f.txt') }, { path: join(dir, 'secret'), secret: true }, { path: evil }], units: ["x'; reboot"] });
    expect(facts.files[join(evil, 'f.txt')]).toMatchObject({ exists: true, type: 'file', mode: 0o640, content: 'hello\n' });
    expect(facts.files[join(dir, 'secret')]!.content).toBeUndefined();
    expect(facts.files[join(dir, 'secret')]!.sha256).toBe(createHash('sha256').update('hunter2\n').digest('hex'));
    expect(facts.files[evil]!.type).toBe('directory');
    expect(existsSync('linkdest-pwned')).toBe(false);
    expect(t.history).toHaveLength(1);
    expect(t.history[0]!.mutating).toBe(false);
  });
});

describe('gather: what automount units need', () => {
  test('autofs in the kernel and /dev/autofs, as this machine has them (with or without)', async () => {
    const facts = await gatherFacts(new LocalTransport({ name: 'local' }), { files: [], units: [] });
    expect(facts.autofs).toEqual({
      kernel: /\bautofs\b/.test(readFileSync('/proc/filesystems', 'utf8')),
      device: existsSync('/dev/autofs'),
    });
  });
});

describe.skipIf(!isRoot)(`gather on a real loop disk${rootNote()}`, () => {
  let loop = '';
  beforeAll(() => {
    const img = join(dir, 'disk.img');
    execFileSync('truncate', ['-s', '64M', img]);
    loop = execFileSync('losetup', ['--find', '--show', '--partscan', img], { encoding: 'utf8' }).trim();
  });
  afterAll(() => {
    if (loop) execFileSync('losetup', ['-d', loop]);
  });

  test('blank, then partitioned + ext4 with a marker: verdicts blank then adopt', async () => {
    const t = new LocalTransport({ name: 'local' });
    const want = { fstype: 'ext4', label: 'linkdest', marker: '.linkdest-backup', recordedUuids: [] };
    const q = { files: [], units: [], device: loop };
    expect(assessDisk(await gatherFacts(t, q), want)).toEqual({ state: 'blank', disk: loop, partition: `${loop}p1` });
    execFileSync('parted', ['-s', '--', loop, 'mklabel', 'gpt', 'mkpart', 'linkdest', '1MiB', '100%']);
    // Ours to format only when this apply made it a moment ago; found like this, it may be damaged.
    expect(assessDisk(await gatherFacts(t, q), { ...want, createdPartition: `${loop}p1` })).toEqual({ state: 'partitioned', disk: loop, partition: `${loop}p1` });
    await expect(gatherFacts(t, q).then((f) => assessDisk(f, want))).rejects.toThrow(`check it with e2fsck -n ${loop}p1`);
    execFileSync('mkfs.ext4', ['-q', '-L', 'linkdest', `${loop}p1`]);
    const noMarker = await gatherFacts(t, q);
    expect(() => assessDisk(noMarker, want)).toThrow(/refusing to format it; .*found: ext4 'linkdest'/);
    execFileSync('debugfs', ['-w', '-R', 'write /dev/null .linkdest-backup', `${loop}p1`], { stdio: 'ignore' });
    const facts = await gatherFacts(t, q);
    expect(facts.disk?.rootNames[`${loop}p1`]).toContain('.linkdest-backup');
    expect(assessDisk(facts, want)).toMatchObject({ state: 'adopt', fsDevice: `${loop}p1` });
  });
});

const IN_USE_TOOLS = ['swapon', 'mkswap', 'pvcreate', 'mkfs.btrfs'];

/**
 * In use, on this machine's kernel: active swap, an LVM physical volume, a member of a
 * two-device btrfs filesystem. The gather script's facts, the rule's refusal, and no
 * --format-confirm that gets past it. (md arrays and dm-crypt need kernel parts this
 * machine lacks: their rows are in test/unit/provision/disk-resources.test.ts.)
 */
describe.skipIf(!isRoot || !IN_USE_TOOLS.every(hasCommand))(`disks in use, refused even when confirmed${rootNote()}${isRoot ? commandNote(...IN_USE_TOOLS) : ''}`, () => {
  const loops: string[] = [];
  const want = { fstype: 'ext4', label: 'linkdest', marker: '.linkdest-backup', recordedUuids: [] };
  const attach = (name: string, size: string): string => {
    const img = join(dir, name);
    execFileSync('truncate', ['-s', size, img]);
    const l = execFileSync('losetup', ['--find', '--show', '--partscan', img], { encoding: 'utf8' }).trim();
    loops.push(l);
    return l;
  };
  const uuidOf = (dev: string): string => /^UUID=(.*)$/m.exec(execFileSync('blkid', ['-p', '-o', 'export', dev], { encoding: 'utf8' }))![1]!;
  /** The rule's answer for the disk as gathered, unconfirmed and confirmed by its uuid or name: one refusal for all. */
  const refusal = async (dev: string): Promise<string> => {
    const facts = await gatherFacts(new LocalTransport({ name: 'local' }), { files: [], units: [], device: dev });
    const answers = [undefined, uuidOf(dev), dev].map((formatConfirm) => {
      try {
        return `accepted: ${JSON.stringify(assessDisk(facts, { ...want, ...(formatConfirm ? { formatConfirm } : {}) }))}`;
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(new Set(answers).size, answers.join('\n')).toBe(1);
    return answers[0]!;
  };
  let swap = '';
  afterAll(() => {
    if (swap) execFileSync('swapoff', [swap], { stdio: 'ignore' });
    for (const l of loops) execFileSync('losetup', ['-d', l], { stdio: 'ignore' });
  });

  test('active swap', async () => {
    const dev = attach('swap.img', '16M');
    execFileSync('mkswap', [dev], { stdio: 'ignore' });
    execFileSync('swapon', [dev]);
    swap = dev;
    expect(await refusal(dev)).toBe(`disk ${dev} is in use: ${dev} is active swap; refusing to format it, even with --format-confirm (free it on the host first)`);
    execFileSync('swapoff', [dev]);
    swap = '';
    // The same signature, nobody using it: data like any other, confirmable.
    const t = new LocalTransport({ name: 'local' });
    expect(assessDisk(await gatherFacts(t, { files: [], units: [], device: dev }), { ...want, formatConfirm: uuidOf(dev) })).toMatchObject({ state: 'wipe' });
  });

  test('an LVM physical volume', async () => {
    const dev = attach('pv.img', '16M');
    execFileSync('pvcreate', ['-q', '-ff', '-y', dev], { stdio: 'ignore' });
    expect(await refusal(dev)).toBe(`disk ${dev} is in use: ${dev} is an LVM physical volume; refusing to format it, even with --format-confirm (free it on the host first)`);
  });

  test('a member of a two-device btrfs filesystem', async () => {
    const a = attach('btrfs-a.img', '128M');
    const b = attach('btrfs-b.img', '128M');
    execFileSync('mkfs.btrfs', ['-q', '-f', a, b], { stdio: 'ignore' });
    expect(await refusal(b)).toBe(`disk ${b} is in use: ${b} is one of 2 devices of btrfs filesystem ${uuidOf(b)}; refusing to format it, even with --format-confirm (free it on the host first)`);
  });
});
