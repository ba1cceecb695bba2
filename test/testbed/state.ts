/**
 * What one test bed owns, written down before it is created: /run/linkdest-testbed/<id>/
 * holds `owner` (pid and start time of the test process) and `resources` (one JSON line per
 * thing made). Teardown, and the next run after a kill -9, undo exactly these and nothing else.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Resource =
  | { kind: 'process'; pid: number; start: string; what: string; signal: 'SIGTERM' | 'SIGKILL' }
  | { kind: 'cgroup'; path: string }
  | { kind: 'mount'; path: string }
  | { kind: 'loop'; file: string }
  | { kind: 'link'; name: string }
  | { kind: 'netns'; name: string }
  | { kind: 'dir'; path: string };

export function stateRoot(): string {
  return process.env.LINKDEST_TESTBED_RUN ?? '/run/linkdest-testbed';
}

/** Field 22 of /proc/PID/stat: tells a live owner from a recycled pid. */
export function processStart(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Fields after the command name: [0] is the state, [19] the start time. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Running and not a zombie (a zombie child of a busy parent counts as gone). */
export function isAlive(pid: number, start: string): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[19] === start && fields[0] !== 'Z';
}

export class StateDir {
  constructor(readonly id: string, readonly dir: string) {}

  static async create(id: string, subnet: number): Promise<StateDir> {
    const dir = join(stateRoot(), id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const owner = { pid: process.pid, start: processStart(process.pid), subnet };
    await writeFile(join(dir, 'owner'), `${JSON.stringify(owner)}\n`);
    await writeFile(join(dir, 'resources'), '');
    return new StateDir(id, dir);
  }

  /** Synchronous so a resource is on disk before the call that creates it starts. */
  record(resource: Resource): void {
    appendFileSync(join(this.dir, 'resources'), `${JSON.stringify(resource)}\n`);
  }

  resources(): Resource[] {
    return readResources(this.dir);
  }
}

export function readResources(dir: string): Resource[] {
  const file = join(dir, 'resources');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((line) => {
    try {
      return [JSON.parse(line) as Resource];
    } catch {
      return [];
    }
  });
}

export interface Owner {
  pid: number;
  start: string;
  subnet: number;
}

export async function readOwner(dir: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'owner'), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

export async function listStateDirs(): Promise<string[]> {
  if (!existsSync(stateRoot())) return [];
  const names = await readdir(stateRoot(), { withFileTypes: true });
  return names.filter((d) => d.isDirectory()).map((d) => join(stateRoot(), d.name));
}
