/**
 * Pre and post hooks in a full run (runtime/run.ts): argv run without a shell, the
 * environment they get, and a failing pre hook that skips the backup with the reason in
 * the result, the log and the mail.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runNightly } from '../../../runtime/run.ts';
import { processStart } from '../../../runtime/lock.ts';
import { startSmtpServer, type SmtpTestServer } from '../runtime-periphery/support/smtp-test-server.ts';
import { runConfig } from './support/run-config.ts';

/** Records its argv (one per line) and the LINKDEST_* environment into $HOOK_OUT. */
const RECORDER = `#!/bin/sh
{ for a in "$@"; do printf 'arg:%s\\n' "$a"; done
  printf 'status:%s\\n' "$LINKDEST_STATUS"; printf 'snapshot:%s\\n' "$LINKDEST_SNAPSHOT"; } >> "$HOOK_OUT"
`;

describe('hooks in a full run', () => {
  let work: string;
  let smtp: SmtpTestServer;
  let n = 0;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-hooks-'));
    writeFileSync(join(work, 'record'), RECORDER, { mode: 0o755 });
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src/file'), 'data\n');
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp.close();
    rmSync(work, { recursive: true, force: true });
  });

  function setup(hooks: { pre?: string[][]; post?: string[][]; timeout_s?: number }): { cfg: ReturnType<typeof runConfig>; out: string } {
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    const out = join(dir, 'hook.out');
    process.env.HOOK_OUT = out;
    const cfg = runConfig(dir, join(dir, 'dest'), [join(work, 'src')], {
      hooks: { pre: hooks.pre ?? [], post: hooks.post ?? [], timeout_s: hooks.timeout_s },
      report: { mail: { to: ['admin@example.test'], from: 'linkdest@example.test', style: 'all', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } } },
    });
    return { cfg, out };
  }
  const fast = { report: { mailRetryBudgetMs: 0, mail: { timeoutMs: 5_000 } } };

  test('hostile argv values reach the hooks verbatim (no shell); post gets the status and the snapshot path', async () => {
    const hostile = ['$(touch pwned)', '; touch pwned2', '`id`', "it's \"quoted\"", '*', 'two  spaces', ''];
    const record = join(work, 'record');
    const { cfg, out } = setup({ pre: [[record, 'pre', ...hostile]], post: [[record, 'post', ...hostile]] });
    const r = await runNightly(cfg, fast);
    expect([r.status, r.exitCode]).toEqual(['ok', 0]);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const args = hostile.map((a) => `arg:${a}`);
    expect(lines).toEqual(['arg:pre', ...args, 'status:starting', 'snapshot:', 'arg:post', ...args, 'status:ok', `snapshot:${r.snapshot}`]);
    for (const dir of [work, process.cwd()]) expect(readdirSync(dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  test('a failing pre hook skips the backup: status skipped, exit 1, nothing written, and the report says why', async () => {
    const record = join(work, 'record');
    const { cfg, out } = setup({ pre: [['sh', '-c', 'echo "database dump failed" >&2; exit 3']], post: [[record, 'post']] });
    const r = await runNightly(cfg, fast);
    expect([r.status, r.exitCode]).toEqual(['skipped', 1]);
    expect(r.errors).toEqual(['hook sh -c echo "database dump failed" >&2; exit 3 failed (exit 3): backup skipped']);
    expect(r.snapshot).toBeUndefined();
    expect(existsSync(join(cfg.destination.path, 'set'))).toBe(false);
    // Post hooks still run and learn the outcome.
    expect(readFileSync(out, 'utf8')).toContain('status:skipped\nsnapshot:\n');
    const log = readFileSync(r.logFile!, 'utf8');
    expect(log).toContain('database dump failed');
    expect(log).toMatch(/ error error: hook sh -c .* failed \(exit 3\): backup skipped\n/);
    const mail = smtp.received.at(-1)!;
    expect(mail.subject).toMatch(/: SKIPPED \(/);
    expect(mail.body).toContain('Error: hook sh -c echo "database dump failed" >&2; exit 3 failed (exit 3): backup skipped');
    expect(mail.body).toContain('database dump failed');
  });

  test('a pre hook that cannot be started skips the backup too; a failing post hook makes an ok run a warning', async () => {
    const a = setup({ pre: [[join(work, 'no-such-hook')]] });
    const skipped = await runNightly(a.cfg, fast);
    expect(skipped.status).toBe('skipped');
    expect(skipped.errors).toEqual([`hook ${join(work, 'no-such-hook')}: cannot run: ENOENT: backup skipped`]);
    const b = setup({ post: [['false']] });
    const warned = await runNightly(b.cfg, fast);
    expect([warned.status, warned.exitCode]).toEqual(['warning', 2]);
    expect(warned.snapshot).toBeDefined();
    expect(warned.warnings).toEqual(['hook false failed (exit 1)']);
  });

  /** Gone, or a zombie nobody reaped yet (killed either way). */
  const gone = (pidFile: string): boolean => processStart(Number(readFileSync(pidFile, 'utf8'))) === undefined;

  test('a hung pre hook is stopped after timeout_s with its process group: skipped, exit 1, nothing written, the lock free', async () => {
    const child = join(work, 'pre-child.pid');
    // The hook waits on a background child of its own, which must go too.
    const hang = ['sh', '-c', 'sleep 1000 & echo $! > "$0"; wait', child];
    const { cfg } = setup({ pre: [hang], timeout_s: 1 });
    const r = await runNightly(cfg, fast);
    expect([r.status, r.exitCode]).toEqual(['skipped', 1]);
    expect(r.errors).toEqual([`hook ${hang.join(' ')} timed out after 1 s (killed with its process group): backup skipped`]);
    expect(gone(child)).toBe(true);
    expect(existsSync(join(cfg.destination.path, 'set'))).toBe(false);
    expect(existsSync(join(cfg.state_dir, 'linkdest.lock'))).toBe(false);
    expect(readFileSync(r.logFile!, 'utf8')).toContain(`hook ${hang.join(' ')}: still running after 1 s: stopping its process group`);
  });

  test('a post hook that ignores SIGTERM gets SIGKILL: the run ends with a warning', async () => {
    const pid = join(work, 'post.pid');
    const stubborn = ['sh', '-c', 'trap "" TERM; echo $$ > "$0"; while :; do sleep 1; done', pid];
    const { cfg } = setup({ post: [stubborn], timeout_s: 1 });
    const r = await runNightly(cfg, fast);
    expect([r.status, r.exitCode]).toEqual(['warning', 2]);
    expect(r.snapshot).toBeDefined();
    expect(r.warnings).toEqual([`hook ${stubborn.join(' ')} timed out after 1 s (killed with its process group)`]);
    expect(gone(pid)).toBe(true);
  });
});
