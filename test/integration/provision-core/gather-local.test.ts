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
import { isRoot, rootNote } from '../../support/needs.ts';
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
    expect(assessDisk(await gatherFacts(t, q), want)).toEqual({ state: 'partitioned', disk: loop, partition: `${loop}p1` });
    execFileSync('mkfs.ext4', ['-q', '-L', 'linkdest', `${loop}p1`]);
    const noMarker = await gatherFacts(t, q);
    expect(() => assessDisk(noMarker, want)).toThrow(/holds ext4 'linkdest'.*refusing to format/);
    execFileSync('debugfs', ['-w', '-R', 'write /dev/null .linkdest-backup', `${loop}p1`], { stdio: 'ignore' });
    const facts = await gatherFacts(t, q);
    expect(facts.disk?.rootNames[`${loop}p1`]).toContain('.linkdest-backup');
    expect(assessDisk(facts, want)).toMatchObject({ state: 'adopt', fsDevice: `${loop}p1` });
  });
});
