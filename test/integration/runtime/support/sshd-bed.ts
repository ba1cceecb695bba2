/**
 * A loopback sshd (test/integration/transport/loopback-sshd.ts) and a work directory for the
 * tests of one describe block: started before them, stopped and removed after. Read the
 * fields inside tests and hooks, not at collection time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startLoopbackSshd, type LoopbackSshd } from '../../transport/loopback-sshd.ts';

export interface SshdBed { sshd: LoopbackSshd; work: string }

export function sshdBed(prefix: string): SshdBed {
  const bed = {} as SshdBed;
  beforeAll(async () => {
    bed.sshd = await startLoopbackSshd();
    bed.work = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await bed.sshd?.stop();
    if (bed.work) rmSync(bed.work, { recursive: true, force: true });
  });
  return bed;
}
