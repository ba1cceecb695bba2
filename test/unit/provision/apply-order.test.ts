/**
 * applyHost's own rules with resources that only record what happens: order kept, each
 * resource gets only its changes, one daemon-reload before the first start and none when
 * nothing asked for it, errors carry host and step, a converged plan runs nothing.
 */
import { describe, expect, test } from 'vitest';
import { applyHost, type ApplyEvent } from '../../../provision/apply.ts';
import type { HostPlan } from '../../../provision/plan.ts';
import type { Change } from '../../../provision/resources/resource.ts';
import type { HostApplyContext, HostResource } from '../../../provision/resources/host-resource.ts';
import { ScriptedTransport } from '../../support/scripted-transport.ts';
import { makeFacts } from './make-facts.ts';
import { runtimeConfigFor } from '../../../provision/recipe.ts';
import { makeSpec } from './make-spec.ts';

const recording = () => new ScriptedTransport(undefined, 'h1');

function resource(id: string, log: string[], opts: { start?: boolean; fail?: boolean } = {}): HostResource {
  return {
    id,
    query: {},
    check: () => [],
    async apply(changes: Change[], ctx: HostApplyContext) {
      if (opts.start) await ctx.flushHandlers();
      if (opts.fail) throw new Error('disk full\nsecond line');
      log.push(`${id}:${changes.map((c) => c.summary).join(',')}`);
      await ctx.transport.run(['touch', id], { mutating: true });
    },
  };
}

function plan(resources: HostResource[], changes: Change[], systemd = true): HostPlan {
  return { host: 'h1', resources, changes, notes: [], status: [], facts: makeFacts({ systemd }), config: runtimeConfigFor(makeSpec()) };
}

const change = (resource: string, summary: string, notify = false): Change => ({ resource, action: 'create', summary, ...(notify ? { notify: ['daemon-reload' as const] } : {}) });

describe('applyHost', () => {
  test('unit files, then ONE daemon-reload, then starts', async () => {
    const log: string[] = [];
    const t = recording();
    const rs = [resource('a', log), resource('b', log), resource('start1', log, { start: true }), resource('start2', log, { start: true })];
    const result = await applyHost(plan(rs, [change('a', 'unit a', true), change('b', 'unit b', true), change('start1', 's1'), change('start2', 's2')]), t);
    expect(t.history.map((r) => r.argv.join(' '))).toEqual(['touch a', 'touch b', 'systemctl daemon-reload', 'touch start1', 'touch start2']);
    expect(result.handlers).toEqual(['daemon-reload']);
    expect(log).toEqual(['a:unit a', 'b:unit b', 'start1:s1', 'start2:s2']);
  });

  test('a reload still pending at the end runs once; none without systemd', async () => {
    const t = recording();
    await applyHost(plan([resource('a', [])], [change('a', 'x', true), change('a', 'y', true)]), t);
    expect(t.history.map((r) => r.argv.join(' '))).toEqual(['touch a', 'systemctl daemon-reload']);
    const cron = recording();
    await applyHost(plan([resource('a', [])], [change('a', 'x', true)], false), cron);
    expect(cron.history.map((r) => r.argv.join(' '))).toEqual(['touch a']);
  });

  test('a converged plan runs nothing', async () => {
    const t = recording();
    const events: ApplyEvent[] = [];
    await applyHost(plan([resource('a', []), resource('b', [], { start: true })], []), t, { onEvent: (e) => events.push(e) });
    expect(t.history).toEqual([]);
    expect(events).toEqual([]);
  });

  test('a failure stops the run with host, step and one line; later resources untouched', async () => {
    const t = recording();
    const events: ApplyEvent[] = [];
    const p = plan([resource('a', [], { fail: true }), resource('b', [])], [change('a', 'x'), change('b', 'y')]);
    await expect(applyHost(p, t, { onEvent: (e) => events.push(e) })).rejects.toMatchObject({ host: 'h1', step: 'a', message: 'disk full' });
    expect(t.history).toEqual([]);
    expect(events.map((e) => [e.type, e.resource, e.status])).toEqual([['start', 'a', 'running'], ['failed', 'a', 'failed']]);
  });
});
