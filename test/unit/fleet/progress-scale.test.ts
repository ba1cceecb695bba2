/**
 * Progress at fleet scale (200 hosts): on a terminal one summary line with counts, redrawn
 * in place, with each failure printed once above it as it happens; in a log (not a TTY) no
 * per-step noise, one line per host's end. Fed with the events runFleet really emits.
 */
import { describe, expect, test } from 'vitest';
import { runFleet, type HostJob } from '../../../provision/fleet.ts';
import { createProgressRenderer } from '../../../provision/render/progress.ts';
import { summaryLine } from '../../../provision/render/progress-summary.ts';

const ESC = String.fromCharCode(27);
const hosts = Array.from({ length: 200 }, (_, i) => ({ name: `backup${String(i + 1).padStart(3, '0')}` }));

/** Every 50th host unreachable, every 70th fails in plan, every 3rd has changes; finishing order shuffled by delays. */
const job: HostJob<{ name: string }, null> = async (h, ctx) => {
  const i = Number(h.name.slice(6));
  ctx.step('connect');
  await new Promise((r) => setTimeout(r, (i * 7) % 13));
  if (i % 50 === 0) throw Object.assign(new Error(`connect ECONNREFUSED ${h.name}:22`), { code: 'ECONNREFUSED' });
  ctx.step('plan');
  if (i % 70 === 0) throw new Error('lsblk failed');
  return { changed: i % 3 === 0, value: null };
};

/** What a terminal shows after replaying the output: lines kept, cursor-up + clear-line undone. */
function screen(out: string): string[] {
  const lines: string[] = [];
  for (const part of out.split(new RegExp(`(${ESC}\\[1A\\r${ESC}\\[2K)`))) {
    if (part.startsWith(`${ESC}[1A`)) { lines.pop(); continue; }
    lines.push(...part.split('\n').filter((l) => l !== ''));
  }
  return lines;
}

async function capture(tty: boolean): Promise<string> {
  let out = '';
  const r = createProgressRenderer({ out: { write: (s: string) => (out += s), columns: 100 }, tty, hosts: hosts.map((h) => h.name), phase: 'plan' });
  await runFleet(hosts, job, { forks: 20, onEvent: r.onEvent });
  r.finish();
  return out;
}

describe('progress for 200 hosts', () => {
  test('terminal: each failure kept on screen, then one summary line with the final counts', async () => {
    const out = await capture(true);
    const shown = screen(out);
    const failures = shown.slice(0, -1);
    expect(failures).toHaveLength(4 + 2);
    expect(failures.filter((l) => l.includes('unreachable'))).toHaveLength(4);
    expect(failures.filter((l) => /backup(070|140): failed .*lsblk failed/.test(l))).toHaveLength(2);
    // 4 unreachable (50, 100, 150, 200), 2 failed (70, 140), 65 of the other 194 are multiples of 3.
    expect(shown.at(-1)).toBe('plan: 200/200 done, 129 in sync, 65 changes pending, 2 failed, 4 unreachable, 0 running');
    // In sync hosts never get a line of their own.
    expect(out).not.toMatch(/backup001/);
    // The summary line was redrawn while the fleet ran, with hosts still running.
    expect(out).toMatch(/plan: \d+\/200 done, .* [1-9]\d* running/);
  });

  test('not a terminal: one line per failed or finished host, no step lines, no escape codes', async () => {
    const out = await capture(false);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(200);
    expect(out).not.toContain(ESC);
    expect(out).not.toMatch(/connect\.\.\.|plan\.\.\./);
    expect(lines.filter((l) => /: in sync \(/.test(l))).toHaveLength(129);
  });

  test.each([
    ['plan', { ok: 1, changed: 2, failed: 3, unreachable: 4 }, 5, 'plan: 10/20 done, 1 in sync, 2 changes pending, 3 failed, 4 unreachable, 5 running'],
    ['apply', { ok: 0, changed: 2, failed: 0, unreachable: 0 }, 0, 'apply: 2/20 done, 0 unchanged, 2 changed, 0 failed, 0 unreachable, 0 running'],
  ] as const)('summaryLine %s', (phase, counts, running, line) => {
    expect(summaryLine(phase, 20, counts, running)).toBe(line);
  });
});
