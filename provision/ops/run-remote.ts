/**
 * Starting a run now and following it. With systemd: `systemctl start --no-block
 * linkdest.service`, finished when the unit's main process of THIS start has exited (its
 * ExecMainStatus is the runtime's exit code). Without (cron hosts): the runtime started
 * under setsid in a session of its own, so it outlives the SSH connection; a fixed script
 * records its exit code and its stderr (what it says before its log exists, such as a bad
 * config) in a private temp dir. Either way the run writes its own log file, which is
 * followed by line number until the run ends.
 */
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import type { RunSummary } from '../../runtime/ops/run-logs.ts';
import type { Transport } from '../transport/transport.ts';
import { callRuntimeJson, runtimeArgv, type RuntimeLocation } from './remote.ts';

export const SERVICE = 'linkdest.service';
/** Fixed text, values only as "$@": the temp dir as $1, then the runtime's argv. */
const DETACHED = 'd=$1; shift; ( "$@" </dev/null >/dev/null 2>"$d/stderr"; echo $? >"$d/exit" ) </dev/null >/dev/null 2>&1 &';
/** Without --wait nobody collects the exit code: nothing is recorded. */
const DETACHED_UNWATCHED = '( "$@" </dev/null >/dev/null 2>&1 ) </dev/null >/dev/null 2>&1 &';

export interface StartedRun {
  kind: 'systemd' | 'direct';
  /** systemd: ExecMainStartTimestampMonotonic before the start; direct: the temp dir ('' unwatched). */
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

export async function startRun(t: Transport, loc: RuntimeLocation, watch = true): Promise<StartedRun> {
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
  if (!watch) {
    await t.run(['setsid', 'sh', '-c', DETACHED_UNWATCHED, 'sh', ...runtimeArgv(loc, 'run', [])], { mutating: true });
    return { kind: 'direct', marker: '', knownRuns };
  }
  const dir = (await t.run(['mktemp', '-d', '/tmp/linkdest-run.XXXXXX'], { mutating: true })).stdout.trim();
  await t.run(['setsid', 'sh', '-c', DETACHED, 'sh', dir, ...runtimeArgv(loc, 'run', [])], { mutating: true });
  return { kind: 'direct', marker: dir, knownRuns };
}

/** The direct run's stderr (its last lines), then its temp dir removed. */
async function collectDirect(t: Transport, dir: string): Promise<string[]> {
  const r = await t.run(['tail', '-n', '5', '--', `${dir}/stderr`], { allowFailure: true });
  await t.run(['rm', '-f', '--', `${dir}/exit`, `${dir}/stderr`], { allowFailure: true, mutating: true });
  await t.run(['rmdir', '--', dir], { allowFailure: true, mutating: true });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
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
  const r = await t.run(['cat', `${s.marker}/exit`], { allowFailure: true });
  return /^\d+\s*$/.test(r.stdout) ? Number(r.stdout.trim()) : undefined;
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
      const said = s.kind === 'direct' ? await collectDirect(t, s.marker) : [];
      if (id === undefined && code === EXIT.locked) o.write(`${t.name}: another run holds the lock; nothing was started\n`);
      else if (id === undefined) o.write(said.map((l) => `${t.name}: ${l}\n`).join(''));
      return code;
    }
    if (id === undefined && Date.now() - started > (o.startTimeoutMs ?? 60_000)) {
      const said = s.kind === 'direct' ? (await collectDirect(t, s.marker)).at(-1) : 'see: journalctl -u linkdest.service';
      throw new LinkdestError(`the run did not start within a minute${said ? ` (${said})` : ''}`, { host: t.name, step: 'run' });
    }
    await sleep(o.pollMs ?? 1500);
  }
}
