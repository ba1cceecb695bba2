/**
 * Starting a run now and following it. With systemd: `systemctl start --no-block
 * linkdest.service`, finished when the unit's main process of THIS start has exited (its
 * ExecMainStatus is the runtime's exit code). Without: the runtime started detached under
 * setsid by a fixed script that records its exit code in a temp file. Either way the run's
 * own log file is followed by line number until the run ends.
 */
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import type { RunSummary } from '../../runtime/ops/run-logs.ts';
import type { Transport } from '../transport/transport.ts';
import { callRuntimeJson, runtimeArgv, type RuntimeLocation } from './remote.ts';

export const SERVICE = 'linkdest.service';
/** Fixed text, values only as "$@": exitfile=$1, then the runtime's argv. */
const DETACHED = 'f=$1; shift; ( "$@" </dev/null >/dev/null 2>&1; echo $? >"$f" ) </dev/null >/dev/null 2>&1 &';

export interface StartedRun {
  kind: 'systemd' | 'direct';
  /** systemd: ExecMainStartTimestampMonotonic before the start; direct: the exit-code file. */
  marker: string;
  knownRuns: Set<string>;
}

async function props(t: Transport, names: string[]): Promise<Record<string, string>> {
  const r = await t.run(['systemctl', 'show', SERVICE, ...names.flatMap((n) => ['-p', n])], { allowFailure: true });
  return Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

export async function hasSystemd(t: Transport): Promise<boolean> {
  return (await t.run(['test', '-d', '/run/systemd/system'], { allowFailure: true })).code === 0;
}

export async function startRun(t: Transport, loc: RuntimeLocation): Promise<StartedRun> {
  const runs = await callRuntimeJson<{ runs: RunSummary[] }>(t, loc, 'logs', ['--list']);
  const knownRuns = new Set(runs.runs.map((r) => r.id));
  const running = runs.runs.find((r) => r.state === 'running');
  if (await hasSystemd(t)) {
    const p = await props(t, ['ActiveState', 'ExecMainStartTimestampMonotonic', 'LoadState']);
    if (p.LoadState !== 'loaded') throw new LinkdestError(`${SERVICE} is not installed; run linkdest apply`, { host: t.name, step: 'run' });
    if (p.ActiveState === 'activating' || p.ActiveState === 'active' || running) {
      throw new LinkdestError(`a run is already in progress${running ? ` (${running.id})` : ''}; follow it with: linkdest logs ${t.name}`, { host: t.name, step: 'run', exitCode: EXIT.locked });
    }
    await t.run(['systemctl', 'start', '--no-block', SERVICE], { mutating: true });
    return { kind: 'systemd', marker: p.ExecMainStartTimestampMonotonic ?? '0', knownRuns };
  }
  if (running) throw new LinkdestError(`a run is already in progress (${running.id}); follow it with: linkdest logs ${t.name}`, { host: t.name, step: 'run', exitCode: EXIT.locked });
  const file = (await t.run(['mktemp', '/tmp/linkdest-run.XXXXXX'], { mutating: true })).stdout.trim();
  await t.run(['setsid', 'sh', '-c', DETACHED, 'sh', file, ...runtimeArgv(loc, 'run', [])], { mutating: true });
  return { kind: 'direct', marker: file, knownRuns };
}

/** The run's exit code once it has ended, else undefined. */
export async function finished(t: Transport, s: StartedRun): Promise<number | undefined> {
  if (s.kind === 'systemd') {
    const p = await props(t, ['ActiveState', 'ExecMainStartTimestampMonotonic', 'ExecMainStatus', 'Result']);
    // Same start time: the queued start has not run yet (the old state may still say failed).
    if ((p.ExecMainStartTimestampMonotonic ?? '0') === s.marker) return undefined;
    if (p.ActiveState === 'activating' || p.ActiveState === 'active' || p.ActiveState === 'deactivating') return undefined;
    return Number(p.ExecMainStatus ?? 1);
  }
  const r = await t.run(['cat', s.marker], { allowFailure: true });
  if (!/^\d+\s*$/.test(r.stdout)) return undefined;
  await t.run(['rm', '-f', s.marker], { allowFailure: true, mutating: true });
  return Number(r.stdout.trim());
}

export interface FollowOptions {
  write: (text: string) => void;
  pollMs?: number;
  /** Give up when the run has not started within this long (default 60 s). */
  startTimeoutMs?: number;
}

/** Prints the run's log as it grows; resolves with the run's exit code. */
export async function followRun(t: Transport, loc: RuntimeLocation, s: StartedRun, o: FollowOptions): Promise<number> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const started = Date.now();
  let id: string | undefined;
  let line = 1;
  const drain = async (): Promise<void> => {
    if (id === undefined) {
      const runs = await callRuntimeJson<{ runs: RunSummary[] }>(t, loc, 'logs', ['--list']);
      id = runs.runs.map((r) => r.id).find((r) => !s.knownRuns.has(r));
      if (id === undefined) return;
    }
    const l = await callRuntimeJson<{ lines: string[] }>(t, loc, 'logs', [`--run=${id}`, `--from-line=${line}`]);
    if (l.lines.length > 0) o.write(`${l.lines.map((x) => `${t.name}: ${x}`).join('\n')}\n`);
    line += l.lines.length;
  };
  for (;;) {
    const code = await finished(t, s);
    await drain();
    if (code !== undefined) {
      if (id === undefined && code === EXIT.locked) o.write(`${t.name}: another run holds the lock; nothing was started\n`);
      return code;
    }
    if (id === undefined && Date.now() - started > (o.startTimeoutMs ?? 60_000)) {
      throw new LinkdestError('the run did not start within a minute (see: journalctl -u linkdest.service)', { host: t.name, step: 'run' });
    }
    await sleep(o.pollMs ?? 1500);
  }
}
