/**
 * `linkdest uninstall HOST`: stop and remove the schedule (timer and service, or the cron
 * file) and the runtime bundle; the config only with --purge-config. Never touches the
 * backup disk, its mount definition or any snapshot; prints what it kept.
 */
import type { Command } from 'commander';
import { parseRuntimeConfig, type RuntimeConfig } from '../../runtime/config.ts';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { hasSystemd, SERVICE } from '../ops/run-remote.ts';
import { CANDIDATES, uninstallPlan, type UninstallPlan } from '../ops/uninstall-plan.ts';
import { answersScripted, confirm } from '../prompt.ts';
import { CONFIG_PATH } from '../resources/schedule.ts';
import type { RunSummary } from '../../runtime/ops/run-logs.ts';
import { callRuntimeJson, type RuntimeLocation } from '../ops/remote.ts';
import type { Transport } from '../transport/transport.ts';
import { removePullLines } from '../pull/uninstall-pull.ts';

/** The service is active, or (cron hosts, or a run started by hand) a live run holds the lock. */
async function runInProgress(t: Transport, loc: RuntimeLocation, systemd: boolean): Promise<boolean> {
  if (systemd && ['active', 'activating'].includes((await t.run(['systemctl', 'is-active', SERVICE], { allowFailure: true })).stdout.trim())) return true;
  // A runtime that cannot answer (missing, broken) runs nothing: uninstall may go on.
  const l = await callRuntimeJson<{ runs: RunSummary[] }>(t, loc, 'logs', ['--list']).catch(() => undefined);
  return l?.runs.some((r) => r.state === 'running') ?? false;
}

export interface UninstallOptions { inventory: string; purgeConfig?: boolean; yes?: boolean; debug?: boolean }

export async function runUninstall(host: string, o: UninstallOptions, deps: HostCommandDeps & { stdinIsTTY?: boolean } = {}): Promise<UninstallPlan> {
  return onHost(o, host, deps, async ({ t, spec, loc, write }) => {
    const systemd = await hasSystemd(t);
    const present = new Set<string>();
    for (const p of CANDIDATES) if ((await t.run(['test', '-e', p], { allowFailure: true })).code === 0) present.add(p);
    let config: RuntimeConfig | undefined;
    const raw = await t.getFile(CONFIG_PATH).catch(() => undefined);
    try { config = raw ? parseRuntimeConfig(JSON.parse(raw.toString('utf8')), CONFIG_PATH) : undefined; } catch { config = undefined; }
    if (await runInProgress(t, loc, systemd)) {
      throw new LinkdestError('a backup run is in progress; wait for it (linkdest logs) and uninstall afterwards', { host, step: 'uninstall', exitCode: EXIT.locked });
    }
    const plan = uninstallPlan({ systemd, present, ...(config ? { config } : {}) }, o.purgeConfig === true);
    const sources = spec.pull ?? [];
    const pullLines = sources.map((s) => `${s.name}: the lines of ${host}'s pull key in authorized_keys`);
    write(`${host}: will remove:\n${[...plan.removed, ...pullLines].map((p) => `  ${p}`).join('\n') || '  (nothing: linkdest is not installed)'}\n`);
    if (!o.yes) {
      if (!(deps.stdinIsTTY ?? process.stdin.isTTY) && !answersScripted()) {
        throw new LinkdestError('uninstall asks for confirmation; pass --yes when not at a terminal', { host, step: 'uninstall', exitCode: EXIT.usage });
      }
      if (!(await confirm(`Uninstall linkdest from ${host}?`))) throw new LinkdestError('not confirmed; nothing removed', { host, step: 'uninstall', exitCode: EXIT.error });
    }
    for (const c of plan.commands) await t.run(c.argv, { allowFailure: c.tolerate, mutating: true });
    for (const s of sources) {
      const n = await removePullLines(spec, s, o.debug === true);
      write(`${s.name}: removed ${n} line(s) of ${host}'s pull key; every other line kept\n`);
    }
    write(`${host}: removed ${plan.removed.length} file(s). Kept:\n${plan.kept.map((k) => `  ${k}`).join('\n')}\n`);
    return plan;
  });
}

export function register(program: Command): void {
  addInventoryOption(program.command('uninstall').description('remove the schedule and runtime from a host; keeps the disk and every snapshot'))
    .argument('<host>', 'inventory host name')
    .option('--purge-config', 'also remove /etc/linkdest (config, SMTP password, webhook URL)')
    .option('-y, --yes', 'do not ask')
    .action(async (host: string, o: UninstallOptions) => {
      await runUninstall(host, { ...o, debug: debugOf(program) });
    });
}
