/**
 * Bundled (like the runtime) and run with the Node 18 of a test-bed host: reads a
 * linkdest.json, runs the guard, releases it, prints one JSON object of what happened.
 */
import { readdir } from 'node:fs/promises';
import { loadRuntimeConfig } from '../../../../runtime/config.ts';
import { LinkdestError } from '../../../../runtime/errors.ts';
import { ensureDestination } from '../../../../runtime/guard.ts';
import { isMountPoint } from '../../../../runtime/mount.ts';
import { memoryLogger } from './memory-logger.ts';

async function main(): Promise<Record<string, unknown>> {
  const cfg = loadRuntimeConfig(process.argv[2]);
  const path = cfg.destination.path;
  const log = memoryLogger();
  try {
    const h = await ensureDestination(cfg, log, { mountTimeoutMs: 20_000 });
    const during = { mountedDuring: await isMountPoint(path), contentsDuring: (await readdir(path)).sort() };
    await h.release();
    return { ok: true, mountedByUs: h.mountedByUs, ...during, mountedAfter: await isMountPoint(path), log: log.lines };
  } catch (e) {
    if (!(e instanceof LinkdestError)) throw e;
    return { ok: false, step: e.step, message: e.message, mountedAfter: await isMountPoint(path), log: log.lines };
  }
}

main().then(
  (r) => { process.stdout.write(`${JSON.stringify({ node: process.version, ...r })}\n`); },
  (e: unknown) => { process.stderr.write(`${String(e)}\n`); process.exitCode = 1; },
);
