/**
 * What every Transport must do, run against the real thing (the local machine through
 * execa, and a real sshd on loopback). Both reach this machine's filesystem, so results
 * are checked with node:fs directly, independent of the transport under test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { LinkdestError } from '../../../runtime/errors.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { isRoot, rootNote } from '../../support/needs.ts';

export interface BehaviourContext {
  transport: Transport;
  /** A fresh directory on the target for this suite. */
  scratch: string;
}

const HOSTILE = ['', ' ', "it's", '"q"', '$(touch /tmp/linkdest-pwned)', '`id`', '${HOME}', 'a;b|c&d', '-n', '--', '\n', 'é日🙂', '*', '~', '\\', "'\\''"];

async function rejection(p: Promise<unknown>): Promise<LinkdestError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LinkdestError);
  return err as LinkdestError;
}

/** Wait (bounded) until a process no longer exists. */
async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; ) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export function transportBehaviours(get: () => BehaviourContext): void {
  test('exit codes: returned with allowFailure, else one-line error with host, step and the last stderr line', async () => {
    const { transport: t } = get();
    const script = 'echo first >&2; echo "the real reason" >&2; exit 7';
    expect((await t.run(['sh', '-c', script], { allowFailure: true })).code).toBe(7);
    const err = await rejection(t.run(['sh', '-c', script]));
    expect(err.host).toBe(t.name);
    expect(err.step).toBe('sh');
    expect(err.oneLine()).not.toContain('\n');
    expect(err.message).toMatch(/exited with code 7: the real reason$/);
    expect((await t.run(['no-such-command-linkdest'], { allowFailure: true })).code).toBe(127);
  });

  test('stdin reaches the command; large stdin too', async () => {
    const { transport: t } = get();
    expect((await t.run(['cat'], { stdin: 'secret pässword\nline 2\n' })).stdout).toBe('secret pässword\nline 2\n');
    const big = Buffer.alloc(5 * 1024 * 1024, 'x');
    expect((await t.run(['wc', '-c'], { stdin: big })).stdout.trim()).toBe(String(big.length));
    expect((await t.run(['cat'])).stdout).toBe(''); // no stdin given: EOF, no hang
  });

  test('env values arrive exactly', async () => {
    const { transport: t } = get();
    const value = `a b 'c' "d" $(id) \`x\` é`;
    const r = await t.run(['sh', '-c', 'printf %s "$LINKDEST_T"'], { env: { LINKDEST_T: value } });
    expect(r.stdout).toBe(value);
  });

  test('hostile argv round-trips byte for byte and nothing is executed', async () => {
    const { transport: t } = get();
    const r = await t.run(['printf', '%s\\0', ...HOSTILE]);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(() => statSync('/tmp/linkdest-pwned')).toThrow();
  });

  test('large output is not truncated', async () => {
    const { transport: t } = get();
    const r = await t.run(['head', '-c', String(20 * 1024 * 1024), '/dev/zero']);
    expect(r.stdout.length).toBe(20 * 1024 * 1024);
  });

  test('a timeout gives up, kills the command on the host, and the transport stays usable', async () => {
    const { transport: t, scratch } = get();
    const pidFile = join(scratch, 'sleeper.pid');
    // 5 s, not less: on a loaded 2-core machine the remote shell may take over a second to
    // start, and the pid file must exist before the timeout fires for the kill to be checked.
    const err = await rejection(t.run(['sh', '-c', 'echo $$ > "$1"; exec sleep 60', 'sh', pidFile], { timeoutMs: 5000 }));
    expect(err.message).toMatch(/timed out after 5 s/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await gone(pid, 15_000)).toBe(true);
    expect((await t.run(['echo', 'still here'])).stdout).toBe('still here\n');
  });

  test('putFile writes content, mode and replaces the target by rename', async () => {
    const { transport: t, scratch } = get();
    const target = join(scratch, 'linkdest.conf');
    writeFileSync(target, 'old\n');
    const oldInode = statSync(target).ino;
    await t.putFile(target, 'new content\n', { mode: 0o640 });
    expect(await readFile(target, 'utf8')).toBe('new content\n');
    const st = await stat(target);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.ino).not.toBe(oldInode);
    expect(readdirSync(scratch).filter((f) => f.includes('linkdest-put'))).toEqual([]);
  });

  test.skipIf(!isRoot)(`putFile sets owner and group, mode 0600 for a secret that never shows in history${rootNote()}`, async () => {
    const { transport: t, scratch } = get();
    const target = join(scratch, 'smtp-password');
    await t.putFile(target, 'hunter2-secret', { mode: 0o600, owner: 'nobody', group: 'nogroup' });
    const st = await stat(target);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(st.uid).toBe(Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })));
    expect(st.gid).toBe(Number(execFileSync('getent', ['group', 'nogroup'], { encoding: 'utf8' }).split(':')[2]));
    expect(JSON.stringify(t.history)).not.toContain('hunter2');
  });

  test('putFile is atomic: readers see the old or the whole new file, a partial temp file is private', async () => {
    const { transport: t, scratch } = get();
    const dir = join(scratch, 'atomic');
    mkdirSync(dir);
    const target = join(dir, 'big.bin');
    writeFileSync(target, 'old\n');
    const content = Buffer.alloc(32 * 1024 * 1024, 'n');
    let done = false;
    const sizes = new Set<number>();
    /** Mode of the temp file while it is still being filled (smaller than the content). */
    const partialModes = new Set<number>();
    const writing = t.putFile(target, content, { mode: 0o644 }).finally(() => (done = true));
    while (!done) {
      sizes.add(statSync(target).size);
      for (const f of readdirSync(dir)) {
        if (f === 'big.bin') continue;
        try {
          const st = statSync(join(dir, f));
          if (st.size < content.length) partialModes.add(st.mode & 0o777);
        } catch {
          // renamed away between readdir and stat
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    await writing;
    expect([...sizes].every((s) => s === 4 || s === content.length)).toBe(true);
    expect([...partialModes]).toEqual([0o600]); // seen, and never readable by others
    expect((await readFile(target)).equals(content)).toBe(true);
  });

  test('putFile failures are clear and leave the old file and no temp file behind', async () => {
    const { transport: t, scratch } = get();
    const missing = join(scratch, 'no-such-dir', 'f');
    const e1 = await rejection(t.putFile(missing, 'x', { mode: 0o644 }));
    expect(e1.step).toBe(`put ${missing}`);
    expect(e1.message).toMatch(/parent directory .*no-such-dir does not exist/);
    expect((await rejection(t.putFile(scratch, 'x', { mode: 0o644 }))).message).toMatch(/is a directory/);
    const target = join(scratch, 'keep.conf');
    writeFileSync(target, 'precious\n');
    const e3 = await rejection(t.putFile(target, 'x', { mode: 0o644, owner: 'no-such-user-linkdest' }));
    expect(e3.message).toMatch(/cannot write file: .*no-such-user-linkdest/);
    expect(await readFile(target, 'utf8')).toBe('precious\n');
    expect(readdirSync(scratch).filter((f) => f.includes('linkdest-put'))).toEqual([]);
    expect((await rejection(t.putFile('relative/path', 'x', { mode: 0o644 }))).message).toMatch(/absolute/);
  });

  test('getFile: bytes back exactly, undefined when absent, error for a directory', async () => {
    const { transport: t, scratch } = get();
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await t.putFile(join(scratch, 'bytes.bin'), all, { mode: 0o600 });
    expect((await t.getFile(join(scratch, 'bytes.bin')))?.equals(all)).toBe(true);
    expect(await t.getFile(join(scratch, 'absent'))).toBeUndefined();
    expect((await rejection(t.getFile(scratch))).message).toMatch(/cannot read file: .*directory/i);
  });

  test('history records every command; putFile counts as mutating, getFile does not', async () => {
    const { transport: t, scratch } = get();
    const before = t.history.length;
    await t.run(['true']);
    await t.run(['touch', join(scratch, 'touched')], { mutating: true });
    await t.putFile(join(scratch, 'h.conf'), 'x', { mode: 0o644 });
    await t.getFile(join(scratch, 'h.conf'));
    await t.run(['false'], { allowFailure: true });
    const added = t.history.slice(before);
    expect(added.map((r) => [r.argv[0], r.mutating, r.code])).toEqual([
      ['true', false, 0],
      ['touch', true, 0],
      ['putFile', true, 0],
      ['getFile', false, 0],
      ['false', false, 1],
    ]);
  });
}
