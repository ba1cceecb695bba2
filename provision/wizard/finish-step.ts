/**
 * Step 8, after linkdest.yml is written: the plan for the new host, the question to apply
 * it, the apply itself with progress, and the offer to run the first backup now. The host
 * is changed only here, and only after the user said yes to the plan shown.
 */
import type { HostSpec } from '../../inventory/host-spec.ts';
import { applyHost, type ApplyEvent } from '../apply.ts';
import { planHost, type HostPlan } from '../plan.ts';
import { formatHostPlan } from '../render/plan-text.ts';
import { CONFIG_PATH, RUNTIME_PATH, runtimeArgv } from '../resources/schedule.ts';
import type { Transport } from '../transport/transport.ts';
import type { Asker } from './ask.ts';

export interface Converger {
  plan(spec: HostSpec, t: Transport, formatConfirm?: string): Promise<HostPlan>;
  apply(plan: HostPlan, t: Transport, onEvent: (e: ApplyEvent) => void, formatConfirm?: string): Promise<void>;
  /** Runs one backup now; the lines to show and whether it succeeded. */
  firstBackup(plan: HostPlan, t: Transport): Promise<{ ok: boolean; lines: string[] }>;
}

const fc = (formatConfirm: string | undefined) => (formatConfirm === undefined ? {} : { formatConfirm });

export const realConverger: Converger = {
  plan: (spec, t, formatConfirm) => planHost(spec, t, fc(formatConfirm)),
  apply: async (plan, t, onEvent, formatConfirm) => {
    await applyHost(plan, t, { onEvent, ...fc(formatConfirm) });
  },
  async firstBackup(plan, t) {
    const node = runtimeArgv(plan.facts)[0]!;
    const run = plan.facts.systemd
      ? await t.run(['systemctl', 'start', 'linkdest.service'], { allowFailure: true, mutating: true })
      : await t.run(runtimeArgv(plan.facts), { allowFailure: true, mutating: true });
    const lines: string[] = [];
    if (run.code !== 0 && plan.facts.systemd) {
      const j = await t.run(['journalctl', '-u', 'linkdest.service', '-n', '20', '--no-pager', '-o', 'cat'], { allowFailure: true });
      lines.push(...j.stdout.trim().split('\n'));
    } else if (run.code !== 0) {
      lines.push(...`${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-20));
    }
    const list = await t.run([node, RUNTIME_PATH, 'list', '--config', CONFIG_PATH], { allowFailure: true });
    lines.push(...list.stdout.trim().split('\n').filter(Boolean));
    return { ok: run.code === 0, lines };
  },
};

export interface FinishResult { applied: boolean; backup?: boolean }

export async function planApplyAndRun(
  ask: Asker, out: (text: string) => void, c: Converger, spec: HostSpec, t: Transport, formatConfirm?: string,
): Promise<FinishResult> {
  ask.say(`Planning ${spec.name} (reading only)...`);
  const plan = await c.plan(spec, t, formatConfirm);
  out(`${formatHostPlan(spec.name, plan.changes, plan.notes, plan.status)}\n`);
  if (plan.changes.length > 0) {
    const n = plan.changes.length;
    if (!(await ask.confirm({ id: 'apply', message: `Apply ${n} change${n === 1 ? '' : 's'} to ${spec.name} now?`, default: true }))) {
      ask.say(`Not applied; ${spec.name} was not changed. Run \`linkdest apply --limit ${spec.name}\` when ready.`);
      return { applied: false };
    }
    await c.apply(plan, t, (e) => {
      if (e.type === 'applied') ask.say(`  done: ${e.summary}`);
      else if (e.type === 'failed') ask.say(`  FAILED: ${e.resource}: ${e.summary}`);
    }, formatConfirm);
    ask.say(`${spec.name} is set up: the backup runs on schedule "${spec.schedule}".`);
  }
  if (!(await ask.confirm({ id: 'first-backup', message: 'Run the first backup now?', default: true }))) return { applied: true };
  ask.say('Running the first backup (this copies everything once; later runs only what changed)...');
  const r = await c.firstBackup(plan, t);
  out(`${r.lines.join('\n')}\n`);
  ask.say(r.ok ? 'First backup finished.' : 'The first backup FAILED; see the lines above.');
  return { applied: true, backup: r.ok };
}
