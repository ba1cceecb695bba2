/**
 * The destination guard on real ext4 loop disks. Mounts made by this file itself live in
 * tmp dirs; the fstab scenarios run in a private mount namespace with a temporary
 * /etc/fstab bind-mounted over the real one (support/guard-in-namespace.ts), so the
 * machine's fstab and mount table are never touched.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { run } from '../../../runtime/exec.ts';
import { ensureDestination } from '../../../runtime/guard.ts';
import { isMountPoint } from '../../../runtime/mount.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { makeLoopDisk, type LoopDisk } from './support/loop-disk.ts';
import { memoryLogger } from './support/memory-logger.ts';

const MARKER = '.Disco_Backup_USB.txt';
const usable = isRoot && ['losetup', 'mkfs.ext4', 'unshare', 'mount'].every(hasCommand);

const config = (path: string, mount: { kind: 'none' } | { kind: 'fstab' }) =>
  parseRuntimeConfig({ destination: { path, marker: MARKER, mount }, sources: [{ path: '/srv' }] });

async function refusal(p: Promise<unknown>): Promise<LinkdestError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(LinkdestError);
  expect((e as LinkdestError).step).toBe('guard');
  expect((e as LinkdestError).message).not.toContain('\n');
  return e as LinkdestError;
}

describe.skipIf(!usable)(`destination guard on a real ext4 loop disk${rootNote()}`, () => {
  let good: LoopDisk;
  let wrong: LoopDisk;
  let dir = '';
  const mounts: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'linkdest-guard-'));
    good = await makeLoopDisk([MARKER]);
    wrong = await makeLoopDisk([]);
  });
  afterAll(async () => {
    for (const m of mounts.reverse()) await run(['umount', m]);
    await good?.remove();
    await wrong?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function mountHere(device: string, name: string): Promise<string> {
    const mnt = join(dir, name);
    await mkdir(mnt);
    const r = await run(['mount', device, mnt]);
    expect(r.stderr).toBe('');
    mounts.push(mnt);
    return mnt;
  }

  test('the right disk mounted: accepted, and release() leaves a mount it did not make', async () => {
    const mnt = await mountHere(good.device, 'good');
    for (const kind of ['none', 'fstab'] as const) {
      const h = await ensureDestination(config(mnt, { kind }), memoryLogger());
      expect(h.mountedByUs).toBe(false);
      await h.release();
      expect(await isMountPoint(mnt)).toBe(true);
    }
  });

  test('another disk mounted (no marker): refused, and nothing is written to it', async () => {
    const mnt = await mountHere(wrong.device, 'wrong');
    const e = await refusal(ensureDestination(config(mnt, { kind: 'fstab' }), memoryLogger()));
    expect(e.message).toBe(`marker file ${mnt}/${MARKER} is missing: ${mnt} is not the backup disk; check what is mounted at ${mnt} (findmnt ${mnt})`);
    expect(await readdir(mnt)).toEqual(['lost+found']);
    expect(await isMountPoint(mnt)).toBe(true);
  });

  test('no disk at all (plain directory on the root filesystem): refused, directory left empty', async () => {
    const mnt = join(dir, 'empty');
    await mkdir(mnt);
    await refusal(ensureDestination(config(mnt, { kind: 'none' }), memoryLogger()));
    expect(await readdir(mnt)).toEqual([]);
  });

  test('destination path missing: refused, and not created', async () => {
    const mnt = join(dir, 'missing');
    const e = await refusal(ensureDestination(config(mnt, { kind: 'none' }), memoryLogger()));
    expect(e.message).toMatch(/^destination .*missing does not exist/);
    await expect(stat(mnt)).rejects.toThrow(/ENOENT/);
  });

  describe('mount kind fstab, in a private mount namespace with a temporary /etc/fstab', () => {
    const script = join(import.meta.dirname, 'support', 'guard-in-namespace.ts');

    async function inNamespace(scenario: string, fstabLine: string, device?: string): Promise<Record<string, unknown>> {
      const mnt = join(dir, `ns-${scenario}`);
      await mkdir(mnt);
      const fstab = join(dir, `fstab-${scenario}`);
      await writeFile(fstab, `# linkdest test fstab\n${fstabLine.replace('MNT', mnt)}`);
      const r = await run(['unshare', '-m', '--propagation', 'private', '--',
        process.execPath, '--import', 'tsx', script, scenario, fstab, mnt, ...(device ? [device] : [])]);
      expect(r.stderr).toBe('');
      expect(await isMountPoint(mnt)).toBe(false); // nothing leaked into this namespace
      return { ...JSON.parse(r.stdout) as Record<string, unknown>, mnt };
    }

    test('not mounted: mounts via `mount PATH`, accepts, release() unmounts', async () => {
      const r = await inNamespace('fstab-mount', `${good.device} MNT ext4 defaults 0 0\n`);
      expect(r).toMatchObject({ ok: true, mountedByUs: true, mountedDuring: true, mountedAfter: false });
      expect((r.contentsDuring as string[]).sort()).toEqual([MARKER, 'lost+found']);
      expect(r.log).toEqual(expect.arrayContaining([`info mounting ${r.mnt as string}: mount ${r.mnt as string}`]));
    });

    test('fstab mounts the wrong disk: refused, unmounted again, nothing written', async () => {
      const r = await inNamespace('fstab-wrong', `${wrong.device} MNT ext4 defaults 0 0\n`);
      expect(r).toMatchObject({ ok: false, step: 'guard', mountedAfter: false, contentsAfter: [] });
      expect(r.message).toMatch(/^marker file .* is missing/);
    });

    test('no fstab line for the path: refused with what to check', async () => {
      const r = await inNamespace('fstab-none', '');
      expect(r).toMatchObject({ ok: false, step: 'guard', mountedAfter: false });
      expect(r.message).toMatch(/^cannot mount .*: mount .*: .*\(check the fstab line for .*, is the disk plugged in\?\)$/);
    });

    test('already mounted by someone else: not mounted again, and left mounted at release()', async () => {
      const r = await inNamespace('already-mounted', `${good.device} MNT ext4 defaults 0 0\n`, good.device);
      expect(r).toMatchObject({ ok: true, mountedByUs: false, mountedAfter: true });
    });
  });
});
