/**
 * Suspect snapshots in the run's own report, night after night, from real runs: the textfile
 * (`promtool check metrics` when installed) counts the suspect snapshots not accepted and says
 * whether the run's own snapshot is one, and the mail's "Snapshots kept" line names them. The
 * count stays up after the source is back (the suspect copy is still there) and goes down
 * when the admin accepts it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeAccepted } from '../../../runtime/accepted.ts';
import type { RuntimeConfig } from '../../../runtime/config.ts';
import { setDir } from '../../../runtime/layout.ts';
import { runNightly } from '../../../runtime/run.ts';
import { hasCommand } from '../../support/needs.ts';
import { startSmtpServer, type SmtpTestServer } from '../runtime-periphery/support/smtp-test-server.ts';
import { runConfig } from './support/run-config.ts';

function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('suspect snapshots in the metrics and the mail', () => {
  let work: string;
  let src: string;
  let cfg: RuntimeConfig;
  let smtp: SmtpTestServer;
  const prom = (): string => readFileSync(join(work, 'linkdest.prom'), 'utf8');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-suspect-metrics-'));
    src = join(work, 'src');
    mkdirSync(join(src, 'd'), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(src, i % 2 ? 'd' : '', `f${i}`), `file ${i}\n`.repeat(i % 2 ? 40 : 20));
    mkdirSync(join(work, 'dest'));
    writeFileSync(join(work, 'dest/.linkdest-backup'), '');
    smtp = await startSmtpServer();
    cfg = runConfig(work, join(work, 'dest'), [src], {
      report: {
        metrics_file: join(work, 'linkdest.prom'),
        mail: { to: ['admin@example.test'], from: 'linkdest@example.test', style: 'all', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } },
      },
    });
  });
  afterAll(async () => {
    await smtp.close();
    rmSync(work, { recursive: true, force: true });
  });

  const night = async (): Promise<{ snap: string; text: string; mail: string }> => {
    const before = smtp.received.length;
    const r = await runNightly(cfg, { report: { mailRetryBudgetMs: 0 } });
    expect(r.errors).toEqual([]);
    const text = prom();
    if (hasCommand('promtool')) execFileSync('promtool', ['check', 'metrics'], { input: text });
    expect(smtp.received.length).toBe(before + 1);
    return { snap: basename(r.snapshot!), text, mail: smtp.received.at(-1)!.body };
  };

  test('0, then 1 while the newest is suspect, still 1 once the source is back, 0 after accept', async () => {
    const n1 = await night();
    expect(metricValue(n1.text, 'linkdest_snapshots_suspect')).toBe(0);
    expect(metricValue(n1.text, 'linkdest_last_snapshot_suspect')).toBe(0);
    expect(n1.mail).toMatch(/^Snapshots kept: 1$/m);

    // d/ gone: two thirds of the bytes (more than shrink.max_pct 50): the snapshot is suspect.
    rmSync(join(src, 'd'), { recursive: true });
    const n2 = await night();
    expect(metricValue(n2.text, 'linkdest_snapshots_suspect')).toBe(1);
    expect(metricValue(n2.text, 'linkdest_last_snapshot_suspect')).toBe(1);
    expect(n2.mail).toMatch(new RegExp(`^Snapshots kept: 2 \\(suspect: ${n2.snap}; see \`linkdest snapshots\`\\)$`, 'm'));

    // The files are back: this snapshot is good, the suspect one is still kept and counted.
    mkdirSync(join(src, 'd'));
    for (let i = 1; i < 40; i += 2) writeFileSync(join(src, 'd', `f${i}`), `file ${i}\n`.repeat(40));
    const n3 = await night();
    expect(metricValue(n3.text, 'linkdest_snapshots_suspect')).toBe(1);
    expect(metricValue(n3.text, 'linkdest_last_snapshot_suspect')).toBe(0);

    await writeAccepted(setDir(cfg), n2.snap);
    const n4 = await night();
    expect(metricValue(n4.text, 'linkdest_snapshots_suspect')).toBe(0);
    expect(n4.mail).toMatch(/^Snapshots kept: 4$/m);
  }, 120_000);
});
