import { describe, expect, test } from 'vitest';
import { fleetJson, maskDeep } from '../../../provision/render/json.ts';
import { createProgressRenderer } from '../../../provision/render/progress.ts';
import { formatSummaryTable } from '../../../provision/render/summary.ts';
import type { FleetEvent } from '../../../provision/fleet.ts';
import { marteChanges } from './fixtures.ts';

describe('formatSummaryTable', () => {
  test('one row per host; failed and unreachable hosts say where and why (golden)', () => {
    const table = formatSummaryTable([
      { host: 'marte', status: 'changed', durationMs: 1234, changes: 5 },
      { host: 'venus', status: 'unreachable', durationMs: 3010, step: 'connect', error: 'connect ECONNREFUSED 10.200.0.9:22' },
      { host: 'giove', status: 'failed', durationMs: 15_400, changes: 2, step: 'disk', error: '/dev/loop3 holds an ext4 filesystem' },
      { host: 'saturno-long', status: 'ok', durationMs: 80, changes: 0 },
    ]);
    expect(table).toBe(
      [
        'HOST          STATUS       CHANGES  TIME  DETAIL',
        'marte         changed      5        1.2s',
        'venus         unreachable  -        3.0s  connect: connect ECONNREFUSED 10.200.0.9:22',
        'giove         failed       2        15s   disk: /dev/loop3 holds an ext4 filesystem',
        'saturno-long  ok           0        0.1s',
        '4 hosts: 1 ok, 1 changed, 1 failed, 1 unreachable',
      ].join('\n'),
    );
  });
});

describe('fleetJson', () => {
  const doc = JSON.parse(
    fleetJson('plan', 2, [
      { host: 'marte', status: 'changed', durationMs: 1234.6, changes: marteChanges, commands: { total: 3, mutating: 0 } },
      { host: 'venus', status: 'unreachable', durationMs: 10, step: 'connect', error: 'connect ECONNREFUSED' },
    ]),
  );

  test('top level: command, exit code, counts per status', () => {
    expect(doc).toMatchObject({ command: 'plan', exit_code: 2, summary: { ok: 0, changed: 1, failed: 0, unreachable: 1 } });
  });

  test('per host: status, rounded duration, counts, commands run, changes with unified diffs', () => {
    const [marte, venus] = doc.hosts;
    expect(marte).toMatchObject({ host: 'marte', status: 'changed', duration_ms: 1235, step: null, error: null, commands: { total: 3, mutating: 0 } });
    expect(marte.counts).toEqual({ create: 2, update: 1, delete: 1, run: 1 });
    expect(marte.changes[1]).toMatchObject({ resource: 'file:/etc/linkdest/linkdest.json', action: 'update' });
    expect(marte.changes[1].diff.unified).toContain('+  "sources": ["/Apps", "/srv"],');
    expect(marte.changes[0]).not.toHaveProperty('data');
    expect(venus).toMatchObject({ status: 'unreachable', step: 'connect', error: 'connect ECONNREFUSED', changes: null });
  });

  test('no secret and no private resource data in the document', () => {
    const text = JSON.stringify(doc);
    for (const secret of ['hunter2', 'correct horse', 's3cr3t-chap', 'never shown']) expect(text).not.toContain(secret);
    expect(text).toContain('/etc/linkdest/smtp.pw');
  });
});

describe('maskDeep', () => {
  test('masks secret keys at any depth and secrets inside strings, keeps secret locations', () => {
    expect(maskDeep({ chap: { user: 'u', secret: 'x' }, list: [{ password: 'p' }], password_file: '/p', log: 'password = q\nok' })).toEqual({
      chap: { user: 'u', secret: '********' },
      list: [{ password: '********' }],
      password_file: '/p',
      log: 'password = ********\nok',
    });
  });
});

const events: FleetEvent[] = [
  { type: 'host-start', host: 'marte' },
  { type: 'host-start', host: 'venus' },
  { type: 'step', host: 'marte', step: 'connect' },
  { type: 'step', host: 'venus', step: 'connect' },
  { type: 'host-done', host: 'venus', status: 'unreachable', durationMs: 300, step: 'connect', error: 'connect ECONNREFUSED' },
  { type: 'step', host: 'marte', step: 'apply', detail: 'writing password = hunter2' },
  { type: 'change', host: 'marte', change: marteChanges[0]! },
  { type: 'host-done', host: 'marte', status: 'changed', durationMs: 2100 },
];

const ESC = String.fromCharCode(27);

function capture(tty: boolean, showChanges: boolean, more: { columns?: number; phase?: 'plan' | 'apply' } = {}): string {
  let out = '';
  const r = createProgressRenderer({
    out: { write: (s: string) => (out += s), columns: more.columns ?? 60 }, tty, hosts: ['marte', 'venus'], showChanges,
    ...(more.phase === undefined ? {} : { phase: more.phase }),
  });
  for (const e of events) r.onEvent(e);
  r.finish();
  return out;
}

describe('progress renderer', () => {
  test('not a terminal: one plain line per event, host first, no escape codes (golden)', () => {
    expect(capture(false, true)).toBe(
      [
        'marte: connect...',
        'venus: connect...',
        'venus: unreachable (0.3s): connect: connect ECONNREFUSED',
        'marte: apply: writing password = ********',
        'marte: + create GPT partition 1 on /dev/loop3',
        'marte: changed (2.1s)',
        '',
      ].join('\n'),
    );
  });

  test('plan hides change events (they are printed in full afterwards) and says what "changed" means', () => {
    const text = capture(false, false, { phase: 'plan' });
    expect(text).not.toContain('create GPT');
    expect(text).toContain('marte: changes pending (2.1s)');
    expect(text).toContain('venus: unreachable (0.3s)');
  });

  test('a terminal reporting 0 columns (a bare pty) does not cut lines', () => {
    expect(capture(true, true, { columns: 0 })).toContain('marte  changed (2.1s)\n');
  });

  test('terminal: the block of host lines is redrawn in place and ends with each host final state', () => {
    const out = capture(true, true);
    expect(out).toContain(`${ESC}[2A`);
    const up = new RegExp(`(${ESC}\\[\\d+A\r|\n)`);
    const upOnly = new RegExp(`^${ESC}\\[(\\d+)A\r$`);
    const codes = new RegExp(`${ESC}\\[\\d+A\r|${ESC}\\[2K`, 'g');
    // Replaying the cursor movements leaves exactly the final state on screen.
    const screen: string[] = [];
    let row = 0;
    for (const part of out.split(up)) {
      const moved = upOnly.exec(part);
      if (moved) row -= Number(moved[1]);
      else if (part === '\n') row++;
      else if (part !== '') screen[row] = part.replace(`${ESC}[2K`, '');
    }
    expect(screen).toEqual(['marte  changed (2.1s)', 'venus  unreachable (0.3s): connect: connect ECONNREFUSED']);
    expect(out.split('\n').every((l) => l.replace(codes, '').length < 60)).toBe(true);
  });
});
