/**
 * A first snapshot's manifest, against xxhsum's `xxh128sum` (an implementation of its own):
 * - the reads (runtime/manifest/read-hashes.ts): read and known entries interleaved come back
 *   in the order added, a file that cannot be opened reported in its place;
 * - through the bundled runtime: the manifest lists every regular file of the copy, in walk
 *   order, with xxh128sum's hash, and takes them from rsync's own hash of what it wrote
 *   (engine/transfer-sums.ts) instead of reading the copy back: names rsync prints escaped
 *   (a newline, bytes that are not UTF-8, a name that looks like rsync's escape) included;
 *   the second name of a hard link, which rsync links and does not print, is read.
 * - with extra_args that make rsync's hashes unusable (--8-bit-output prints raw bytes), the
 *   same manifest by reading every file.
 * - a source pulled over a loopback sshd: the hashes are taken when the two rsyncs say they
 *   negotiated xxh128; a source host's rsync without xxh128, or one older than 3.2 (whose %C
 *   is md5), gives the same manifest by reading every file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { ReadHashes, type HashResult } from '../../../runtime/manifest/read-hashes.ts';
import { hashReady } from '../../../runtime/manifest/hash.ts';
import { comparePaths } from '../../../runtime/manifest/format.ts';
import { openManifest } from '../../../runtime/manifest/read.ts';
import { readMetadata } from '../../../runtime/layout.ts';
import { localRsyncHasXxh128 } from '../../../runtime/engine/transfer-sums.ts';
import { commandNote, hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { runConfigInput } from './support/run-config.ts';
import { makeSmallExt4 } from './support/small-ext4.ts';
import { sshdBed } from './support/sshd-bed.ts';
import { loopbackRsh } from './support/remote-host.ts';

const bundle = join(import.meta.dirname, '../../../dist/linkdest-runtime.mjs');

/** xxh128sum of every regular file under `dir`, by raw relative path (latin1 keeps the bytes). */
function xxh128sums(dir: string): Map<string, string> {
  const names = execFileSync('find', ['.', '-type', 'f', '-print0'], { cwd: dir, maxBuffer: 1 << 26 }).toString('latin1').split('\0').filter(Boolean);
  const m = new Map<string, string>();
  // xxh128sum (0.8) has no -z: plain names go many to a call, others one at a time on stdin.
  const plain = names.filter((n) => /^[\x20-\x7e]+$/.test(n) && !n.includes('\\'));
  for (let i = 0; i < plain.length; i += 400) {
    const out = execFileSync('xxh128sum', ['--', ...plain.slice(i, i + 400)], { cwd: dir, encoding: 'latin1' });
    for (const line of out.split('\n').filter(Boolean)) m.set(line.slice(34).replace(/^\.\//, ''), line.slice(0, 32));
  }
  for (const n of names.filter((x) => !plain.includes(x))) {
    const out = execFileSync('xxh128sum', [], { cwd: dir, input: readFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(n, 'latin1')])), encoding: 'latin1' });
    m.set(n.replace(/^\.\//, ''), out.slice(0, 32));
  }
  return m;
}

describe.skipIf(!hasCommand('xxh128sum'))(`the manifest's reads${commandNote('xxh128sum')}`, () => {
  test('give every entry back in the order added, hash as xxh128sum, an unopenable file in its place', async () => {
    await hashReady('xxh128');
    const dir = mkdtempSync(join(tmpdir(), 'linkdest-reads-'));
    try {
      const added: { name: string; known?: string; bad?: boolean }[] = [];
      for (let i = 0; i < 300; i++) {
        const name = `f${i}`;
        if (i % 7 === 3) { added.push({ name, known: `known-${i}` }); continue; }
        if (i % 101 === 50) { symlinkSync('/etc/hostname', join(dir, name)); added.push({ name, bad: true }); continue; }
        // Some files span several of the reader's 1 MiB reads.
        writeFileSync(join(dir, name), i % 50 === 0 ? Buffer.alloc((3 << 20) + i, i % 256) : `content of ${i}\n`.repeat(i % 40));
        added.push({ name });
      }
      const got: [string, HashResult][] = [];
      const reads = new ReadHashes<string>((tag, r) => { got.push([tag, r]); });
      for (const a of added) {
        if (a.known) reads.known(a.name, a.known);
        else reads.hash(a.name, join(dir, a.name));
      }
      const sums = xxh128sums(dir);
      expect(got.map(([t]) => t)).toEqual(added.map((a) => a.name));
      for (const [i, [, r]] of got.entries()) {
        const a = added[i]!;
        if (a.known) expect(r).toEqual({ hash: a.known });
        else if (a.bad) expect(r).toEqual({ error: 'ELOOP' });
        else {
          const st = lstatSync(join(dir, a.name), { bigint: true });
          expect(r, a.name).toEqual({ hash: sums.get(a.name), st: { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, nlink: st.nlink } });
        }
      }
      expect(reads.files).toBe(added.filter((a) => !a.known && !a.bad).length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The tree of every case: names rsync escapes, a big file, an empty one, a hard link; 1505 files. */
function makeTree(src: string): void {
  for (let d = 0; d < 12; d++) mkdirSync(join(src, `d${d}`, 'sub'), { recursive: true });
  for (let i = 0; i < 1500; i++) writeFileSync(join(src, `d${i % 12}`, i % 3 === 0 ? 'sub' : '', `f${i}`), `file ${i}\n`.repeat(i % 300));
  writeFileSync(join(src, 'big'), Buffer.alloc(5 << 20, 7));
  writeFileSync(join(src, 'empty'), '');
  linkSync(join(src, 'd1', 'f1'), join(src, 'd1', 'f1-link'));
  // Names rsync prints escaped: a byte that is not UTF-8 and a newline (\#351, \#012),
  // and one that holds rsync's escape itself (printed as \#134#101).
  writeFileSync(Buffer.concat([Buffer.from(`${src}/d2/caf`), Buffer.from([0xe9, 0x0a]), Buffer.from('x')]), 'odd name\n');
  writeFileSync(join(src, 'd3', 'back\\#101slash'), 'not an A\n');
}

/**
 * A first snapshot of `spec` (the tree at `src`) by the bundle; its manifest must list every
 * regular file of the copy, in walk order, with xxh128sum's hash, and take `fromRsync` of them
 * from rsync (all but the hard link's second name) or read every one back.
 */
async function firstSnapshotCase(o: { work: string; src: string; spec: string; copyAt: string[]; rsync: object; fromRsync: boolean }): Promise<void> {
  const disk = await makeSmallExt4({ mib: 128 });
  try {
    makeTree(o.src);
    const cfgFile = join(o.work, 'linkdest.json');
    writeFileSync(cfgFile, JSON.stringify(runConfigInput(o.work, disk.mnt, [o.spec], { rsync: o.rsync })));
    const r = await execa(process.execPath, [bundle, '--config', cfgFile, 'run'], { reject: false });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);

    const snap = join(disk.mnt, 'set', readdirSync(join(disk.mnt, 'set')).find((n) => /^\d{4}-/.test(n))!);
    const m = (await openManifest(snap))!;
    expect(m.algorithm).toBe('xxh128');
    const entries = [];
    for await (const e of m.entries) entries.push(e);
    const paths = entries.map((e) => e.path);
    expect([...paths].sort(comparePaths)).toEqual(paths);
    const top = join(...o.copyAt);
    const copy = xxh128sums(join(snap, top));
    expect(copy.size).toBe(1505);
    const prefix = `${top}/`;
    expect(new Map(entries.map((e) => [e.path.toString('latin1').slice(prefix.length), e.hash]))).toEqual(copy);
    // rsync hashes one name of the hard link as it writes it and links the other: that one is read.
    const fromRsync = o.fromRsync && await localRsyncHasXxh128();
    expect((await readMetadata(snap))?.manifest).toMatchObject(fromRsync ? { files: 1505, hashed: 1, fromRsync: 1504, inherited: 0 } : { files: 1505, hashed: 1505, fromRsync: 0, inherited: 0 });
  } finally {
    await disk.remove();
  }
}

describe.skipIf(!isRoot || !existsSync(bundle) || !hasCommand('xxh128sum'))(`a first snapshot's manifest through the bundle${rootNote()}${commandNote('xxh128sum')}${existsSync(bundle) ? '' : ' (needs npm run build: skipped)'}`, () => {
  test.each([
    ['takes the hashes rsync printed as it copied', [] as string[]],
    ['reads every file when extra_args make rsync\'s hashes unusable (--8-bit-output)', ['--8-bit-output']],
  ])('every regular file of the copy, in walk order, with xxh128sum\'s hash: %s', async (_, extraArgs) => {
    const work = mkdtempSync(join(tmpdir(), 'linkdest-first-manifest-'));
    try {
      const src = join(work, 'src');
      await firstSnapshotCase({ work, src, spec: src, copyAt: [src.slice(1)], rsync: { extra_args: extraArgs }, fromRsync: extraArgs.length === 0 });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!isRoot || !existsSync(bundle) || !hasCommand('xxh128sum') || !hasCommand('sshd'))(`a pulled source's first snapshot, over a loopback sshd${rootNote()}${commandNote('xxh128sum')}${commandNote('sshd')}`, () => {
  const bed = sshdBed('linkdest-first-pull-');
  let n = 0;
  test.each([
    ['the source host\'s rsync negotiates xxh128: its hashes are taken', () => [] as string[], true],
    // Both ends take the first checksum of this host's list that the other knows: here md5.
    ['the source host\'s rsync has no xxh128 (it negotiates md5): every file is read back', (dir: string) => {
      const wrapper = join(dir, 'rsync-without-xxh');
      writeFileSync(wrapper, '#!/bin/sh\nRSYNC_CHECKSUM_LIST=md5 exec rsync "$@"\n', { mode: 0o755 });
      return [`--rsync-path=${wrapper}`];
    }, false],
    // rsync before 3.2 negotiates nothing, and its %C is md5: a source host that answers
    // without the capability of negotiated checksums ('v' in the -e.xxx string) is one.
    ['the source host\'s rsync is older than 3.2 (no negotiation, md5): every file is read back', (dir: string) => {
      const wrapper = join(dir, 'rsync-3.1');
      writeFileSync(wrapper, [
        '#!/bin/sh',
        'for a in "$@"; do case "$a" in -*e.*) a=$(printf %s "$a" | sed "s/\\(e\\.[A-Za-z]*\\)v/\\1/");; esac; set -- "$@" "$a"; shift; done',
        'exec rsync "$@"', '',
      ].join('\n'), { mode: 0o755 });
      return [`--rsync-path=${wrapper}`];
    }, false],
  ])('%s', async (_, extra, fromRsync) => {
    const work = join(bed.work, `case${++n}`);
    mkdirSync(work);
    const src = join(work, 'src');
    await firstSnapshotCase({
      work, src, spec: `root@${bed.sshd.address}:${src}`, copyAt: [bed.sshd.address, src.slice(1)],
      rsync: { rsh: loopbackRsh(bed.sshd), extra_args: extra(work) }, fromRsync,
    });
  });
});
