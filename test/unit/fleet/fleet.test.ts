import { describe, expect, test } from 'vitest';
import { LinkdestError } from '../../../runtime/errors.ts';
import { DEFAULT_FORKS, fleetExitCode, oneLineError, runFleet, type FleetEvent, type HostJob } from '../../../provision/fleet.ts';
import type { Change } from '../../../provision/resources/resource.ts';

const change: Change = { resource: 'file:/etc/x', action: 'create', summary: 'create /etc/x' };
const hosts = ['marte', 'venus', 'giove', 'saturno'].map((name) => ({ name }));

/** Fake per-host work: what each host "does" is decided by its name. */
const job: HostJob<{ name: string }, string> = async (host, ctx) => {
  ctx.step('connect');
  await new Promise((r) => setImmediate(r));
  if (host.name === 'venus') throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:22'), { code: 'ECONNREFUSED' });
  ctx.step('plan');
  if (host.name === 'giove') throw new Error('lsblk failed\n  at stack line\n  at other');
  if (host.name === 'saturno') return { changed: false, value: 'in sync' };
  ctx.change(change);
  return { changed: true, value: 'planned' };
};

describe('runFleet', () => {
  test('one unreachable and one failing host do not stop the others', async () => {
    const outcomes = await runFleet(hosts, job);
    expect(outcomes.map((o) => [o.host, o.status, o.step, o.error, o.value])).toEqual([
      ['marte', 'changed', undefined, undefined, 'planned'],
      ['venus', 'unreachable', 'connect', 'connect ECONNREFUSED 10.0.0.2:22', undefined],
      ['giove', 'failed', 'plan', 'lsblk failed', undefined],
      ['saturno', 'ok', undefined, undefined, 'in sync'],
    ]);
    for (const o of outcomes) expect(o.durationMs).toBeGreaterThanOrEqual(0);
  });

  test('emits host-start, steps, changes and host-done in order for each host', async () => {
    const events: FleetEvent[] = [];
    await runFleet(hosts, job, { onEvent: (e) => events.push(e) });
    const of = (h: string) => events.filter((e) => e.host === h).map((e) => (e.type === 'step' ? `step:${e.step}` : e.type === 'host-done' ? `done:${e.status}` : e.type));
    expect(of('marte')).toEqual(['host-start', 'step:connect', 'step:plan', 'change', 'done:changed']);
    expect(of('venus')).toEqual(['host-start', 'step:connect', 'done:unreachable']);
    expect(of('giove')).toEqual(['host-start', 'step:connect', 'step:plan', 'done:failed']);
    const done = events.find((e) => e.type === 'host-done' && e.host === 'giove');
    expect(done).toMatchObject({ step: 'plan', error: 'lsblk failed' });
    expect(done).not.toHaveProperty('value');
  });

  test.each([1, 2])('--forks %s bounds the hosts worked on at once', async (forks) => {
    let active = 0;
    let peak = 0;
    const slow: HostJob<{ name: string }, null> = async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return { changed: false, value: null };
    };
    const outcomes = await runFleet(hosts, slow, { forks });
    expect(peak).toBe(forks);
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
  });

  test('without --forks every host of a small fleet starts at once, and at most DEFAULT_FORKS (50) of a large one', async () => {
    for (const fleet of [hosts, Array.from({ length: 120 }, (_, i) => ({ name: `h${i}` }))]) {
      const started: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const run = runFleet(fleet, async (h) => { started.push(h.name); await gate; return { changed: false, value: 0 }; });
      await new Promise((r) => setImmediate(r));
      expect(started).toHaveLength(Math.min(fleet.length, DEFAULT_FORKS));
      release();
      expect((await run).every((o) => o.status === 'ok')).toBe(true);
    }
    expect(DEFAULT_FORKS).toBe(50);
  });

  test.each([
    ['an error in the connect step', new Error('handshake timed out'), 'connect', 'unreachable'],
    ['a host-key mismatch reported while connecting', new LinkdestError('host key mismatch for 10.0.0.3', { step: 'connect' }), 'connect', 'unreachable'],
    ['a network error code later on', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'plan', 'unreachable'],
    ['a LinkdestError from a later step', new LinkdestError('disk holds ext4 data', { step: 'disk' }), 'plan', 'failed'],
    ['a plain error while planning', new TypeError('x is undefined'), 'plan', 'failed'],
  ])('%s -> %s', async (_what, error, step, status) => {
    const [o] = await runFleet([{ name: 'h' }], async (_h, ctx) => { ctx.step(step); throw error; });
    expect(o?.status).toBe(status);
  });

  test('a LinkdestError names its own step in the outcome', async () => {
    const [o] = await runFleet([{ name: 'h' }], async (_h, ctx) => { ctx.step('apply'); throw new LinkdestError('refusing to format /dev/sdb', { step: 'disk' }); });
    expect(o).toMatchObject({ status: 'failed', step: 'disk', error: 'refusing to format /dev/sdb' });
  });
});

describe('oneLineError', () => {
  test.each([
    [new Error('first\nsecond'), 'first'],
    [new Error('\n\n  padded  \n'), 'padded'],
    ['a string', 'a string'],
    [new Error(''), 'unknown error'],
    [new Error('x'.repeat(300)), `${'x'.repeat(197)}...`],
  ])('%#', (e, line) => expect(oneLineError(e)).toBe(line));
});

describe('fleetExitCode', () => {
  const s = (...st: ('ok' | 'changed' | 'failed' | 'unreachable')[]) => st.map((status) => ({ status }));
  test.each([
    ['plan', s('ok', 'ok'), 0],
    ['plan', s('ok', 'changed'), 2],
    ['plan', s('changed', 'failed'), 1],
    ['plan', s('ok', 'unreachable'), 1],
    ['plan', s(), 0],
    ['apply', s('ok', 'changed'), 0],
    ['apply', s('changed', 'unreachable'), 1],
    ['apply', s('failed'), 1],
  ] as const)('%s with %j exits %s', (command, outcomes, code) => {
    expect(fleetExitCode(command, outcomes)).toBe(code);
  });
});
