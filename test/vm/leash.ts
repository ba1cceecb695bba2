/**
 * A long-running helper (QEMU, tgtd, socat) whose life is tied to ours: a small sh wrapper
 * holds our end of a pipe and kills the program when the pipe closes. The pipe closes when
 * we call stop(), when the test process exits, and when it is killed with -9, so no QEMU
 * outlives a crashed or interrupted test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/*
 * fd 3 keeps our pipe for the watcher; the program itself gets no stdin. When the program
 * ends by itself the watcher goes too, so it never signals a pid that was reused since.
 */
const WRAPPER = [
  'exec 3<&0',
  '"$@" </dev/null & pid=$!',
  '( read -r _ <&3; kill "$pid" 2>/dev/null; sleep 5; kill -9 "$pid" 2>/dev/null ) & watcher=$!',
  'wait "$pid"; rc=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$rc"',
].join('\n');

export interface Leashed {
  readonly pid: number;
  /** Resolves with the program's exit code once it has ended (by itself or by stop()). */
  readonly exited: Promise<number | null>;
  /** True while the program runs. */
  running(): boolean;
  /** Ends the program (SIGTERM, SIGKILL after 5 s) and waits for it. Safe to call twice. */
  stop(): Promise<void>;
}

export interface LeashOptions {
  /** stdout and stderr of the program go to this file (appended). */
  logFile: string;
}

export function spawnLeashed(argv: string[], opts: LeashOptions): Leashed {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('vm: spawnLeashed needs a program');
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const child: ChildProcess = spawn('sh', ['-c', WRAPPER, 'sh', cmd, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let alive = true;
  const exited = once(child, 'exit').then(([code]) => {
    alive = false;
    log.end();
    return code as number | null;
  });
  if (child.pid === undefined) throw new Error(`vm: could not start ${cmd}`);
  const pid = child.pid;
  return {
    pid,
    exited,
    running: () => alive,
    async stop() {
      child.stdin?.end();
      await exited;
    },
  };
}
