/**
 * The encrypted enrolment's header step against the real cryptsetup: this kernel has no
 * dm-crypt (no /dev/mapper/control), but formatting a LUKS2 header, adding a key slot and
 * testing a passphrase need none, so everything but the open runs here on a disk image.
 * The open, the mount and the plug-in trigger run in the QEMU guest (test/vm/rotation-luks.test.ts).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalTransport } from '../../../provision/transport/local.ts';
import {
  assertEncryptionPossible, encryptionRefusal, parseEncryptionProbe, PROBE_SCRIPT, writeLuksHeader, type LuksHeader,
} from '../../../provision/disks/luks-format.ts';
import { run } from '../../testbed/run.ts';
import { gatherFacts } from '../../../provision/facts/gather.ts';
import { commandNote, hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const note = rootNote() || commandNote('cryptsetup');

/*
 * libdevmapper (inside cryptsetup and dmsetup) creates /dev/mapper/control when it is
 * missing, also on a kernel without device-mapper; other suites probe that node. Leave /dev
 * as it was found.
 */
const hadMapperDir = existsSync('/dev/mapper');
const hadControl = existsSync('/dev/mapper/control');
afterAll(async () => {
  if (!hadControl) await rm('/dev/mapper/control', { force: true });
  if (!hadMapperDir) await rmdir('/dev/mapper').catch(() => {});
});

describe(`LUKS2 header, key file and recovery slot with the real cryptsetup${note}`, () => {
  let dir = '';
  let image = '';
  let keyDir = '';
  let header: LuksHeader;
  let t: LocalTransport;

  beforeAll(async () => {
    if (note) return;
    dir = await mkdtemp(join(tmpdir(), 'linkdest-luks-'));
    image = join(dir, 'disk.img');
    keyDir = join(dir, 'keys');
    await run('truncate', ['-s', '32M', image]);
    t = new LocalTransport({ name: 'local' });
    header = await writeLuksHeader(t, image, 'A', { keyDir });
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test.skipIf(note !== '')('the key file is 0600 in a 0700 directory, 512 random bits, and opens the disk', async () => {
    expect(header.keyFile).toBe(join(keyDir, 'A.key'));
    expect((await stat(keyDir)).mode & 0o777).toBe(0o700);
    expect((await stat(header.keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(header.keyFile, 'utf8')).toMatch(/^[0-9a-f]{128}$/);
    // Only the key is left in the directory: the temporary name is gone.
    expect(await readdir(keyDir)).toEqual(['A.key']);
    const opened = await run('cryptsetup', ['open', '--test-passphrase', '--key-file', header.keyFile, image], { allowFail: true });
    expect(opened.code, opened.stderr).toBe(0);
  });

  test.skipIf(note !== '')('LUKS2, the key in slot 0 (PBKDF2) and the recovery passphrase in slot 1 (argon2id); the UUID is the header\'s', async () => {
    const dump = (await run('cryptsetup', ['luksDump', image])).stdout;
    expect(dump).toMatch(/^Version:\s+2$/m);
    expect(dump).toContain(`UUID:          \t${header.luksUuid}`);
    const slots = dump.slice(dump.indexOf('Keyslots:'), dump.indexOf('Tokens:'));
    expect(slots.match(/^\s+\d+: luks2$/gm)).toHaveLength(2);
    expect(slots).toMatch(/0: luks2[\s\S]*PBKDF:\s+pbkdf2[\s\S]*1: luks2[\s\S]*PBKDF:\s+argon2id/);
  });

  test.skipIf(note !== '')('the recovery passphrase opens the disk as typed at a prompt; a wrong one does not', async () => {
    expect(header.recoveryPassphrase).toMatch(/^[cbdefghijklnrtuv]{4}(-[cbdefghijklnrtuv]{4}){7}$/);
    const typed = await run('cryptsetup', ['open', '--test-passphrase', '--key-slot', '1', image], { input: `${header.recoveryPassphrase}\n`, allowFail: true });
    expect(typed.code, typed.stderr).toBe(0);
    const wrong = await run('cryptsetup', ['open', '--test-passphrase', image], { input: 'cccc-cccc-cccc-cccc-cccc-cccc-cccc-cccc\n', allowFail: true });
    expect(wrong.code).not.toBe(0);
  });

  test.skipIf(note !== '')('neither the key nor the passphrase is in any command line that ran', async () => {
    const key = await readFile(header.keyFile, 'utf8');
    const argv = t.history.map((h) => h.argv.join(' ')).join('\n');
    expect(argv).toContain('luksFormat');
    expect(argv).not.toContain(key);
    expect(argv).not.toContain(header.recoveryPassphrase);
  });

  test.skipIf(note !== '')('a second enrolment under the same id is refused and the first key is untouched', async () => {
    const before = await readFile(header.keyFile, 'utf8');
    const other = join(dir, 'other.img');
    await run('truncate', ['-s', '32M', other]);
    await expect(writeLuksHeader(t, other, 'A', { keyDir })).rejects.toThrow(/A\.key exists: a disk with this id is enrolled already/);
    expect(await readFile(header.keyFile, 'utf8')).toBe(before);
    expect((await run('cryptsetup', ['isLuks', other], { allowFail: true })).code).not.toBe(0);
  });

  test.skipIf(note !== '')('a failed format leaves no key file behind', async () => {
    await expect(writeLuksHeader(t, join(dir, 'no-such-disk'), 'B', { keyDir })).rejects.toThrow(/luksFormat/);
    expect(await readdir(keyDir)).toEqual(['A.key']);
  });
});

describe('a host without device-mapper or cryptsetup: one line at enrolment', () => {
  test.each<[string, string, string | undefined]>([
    ['both there', 'mapper-control\ncryptsetup\n', undefined],
    ['no device-mapper', 'cryptsetup\n', 'h1 cannot use encrypted disks: its kernel has no device-mapper (not in /proc/misc, no dm_mod module; LUKS needs dm-crypt)'],
    ['no cryptsetup', 'mapper-control\n', 'h1 cannot use encrypted disks: cryptsetup is not installed (Debian/Ubuntu: apt-get install cryptsetup)'],
  ])('%s', (_t, stdout, want) => {
    expect(encryptionRefusal('h1', parseEncryptionProbe(stdout))).toBe(want);
  });

  // The node alone proves nothing: libdevmapper (cryptsetup, dmsetup) creates /dev/mapper/control
  // where the kernel has no device-mapper at all, as on this machine once cryptsetup had run.
  test.skipIf(!isRoot || !hasCommand('dmsetup'))('the real probe on this machine agrees with the kernel (dmsetup version), not with the node', async () => {
    const kernelHasDm = (await run('dmsetup', ['version'], { allowFail: true })).code === 0;
    const t = new LocalTransport({ name: 'this-machine' });
    const probed = parseEncryptionProbe((await run('sh', ['-c', PROBE_SCRIPT])).stdout);
    expect(probed.mapperControl).toBe(kernelHasDm);
    if (!kernelHasDm) await expect(assertEncryptionPossible(t)).rejects.toThrow(/^this-machine cannot use encrypted disks: its kernel has no device-mapper/);
    else await expect(assertEncryptionPossible(t)).resolves.toBeUndefined();
    // The plan's facts say the same (EncryptionSupportResource refuses from them).
    const facts = await gatherFacts(t, { files: [], units: [] });
    expect(facts.deviceMapper).toBe(kernelHasDm);
    expect(facts.commands.cryptsetup !== undefined).toBe(probed.cryptsetup);
  });
});
