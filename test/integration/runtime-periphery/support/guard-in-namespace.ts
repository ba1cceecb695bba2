/**
 * Runs one guard scenario inside a private mount namespace (the caller starts this file
 * under `unshare -m --propagation private`), with a temporary fstab bind-mounted over
 * /etc/fstab: `mount PATH` then reads our line, and the machine's fstab is never touched.
 * Every mount made here disappears with the namespace. Prints one JSON object.
 *
 * argv: SCENARIO FSTAB MOUNTPOINT [DEVICE]
 */
import { readdir } from 'node:fs/promises';
import { parseRuntimeConfig } from '../../../../runtime/config.ts';
import { LinkdestError } from '../../../../runtime/errors.ts';
import { run } from '../../../../runtime/exec.ts';
import { ensureDestination } from '../../../../runtime/guard.ts';
import { isMountPoint } from '../../../../runtime/mount.ts';
import { memoryLogger } from './memory-logger.ts';

const [scenario, fstab, mnt, device] = process.argv.slice(2) as [string, string, string, string | undefined];

async function must(argv: string[]): Promise<void> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

async function main(): Promise<Record<string, unknown>> {
  await must(['mount', '--bind', fstab, '/etc/fstab']);
  if (scenario === 'already-mounted') await must(['mount', device!, mnt]);
  const cfg = parseRuntimeConfig({
    destination: { path: mnt, marker: '.Disco_Backup_USB.txt', mount: { kind: 'fstab' } },
    sources: [{ path: '/srv' }],
  });
  const log = memoryLogger();
  try {
    const handle = await ensureDestination(cfg, log, { mountTimeoutMs: 5_000 });
    const mountedDuring = await isMountPoint(mnt);
    const contentsDuring = await readdir(mnt);
    await handle.release();
    return { ok: true, mountedByUs: handle.mountedByUs, mountedDuring, contentsDuring, mountedAfter: await isMountPoint(mnt), log: log.lines };
  } catch (e) {
    if (!(e instanceof LinkdestError)) throw e;
    const mounted = await isMountPoint(mnt);
    return { ok: false, step: e.step, message: e.message, mountedAfter: mounted, contentsAfter: await readdir(mnt), log: log.lines };
  }
}

main().then(
  (r) => { process.stdout.write(`${JSON.stringify(r)}\n`); },
  (e: unknown) => { process.stderr.write(`${String(e)}\n`); process.exitCode = 1; },
);
