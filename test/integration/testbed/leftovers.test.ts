/**
 * A run killed with SIGKILL cannot clean up; the next start must remove exactly what that
 * run recorded (container, namespace, links, overlay, loop device, directories) and boot.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed } from '../../testbed/index.ts';
import { stillPresent } from '../../testbed/leftovers.ts';
import { readResources } from '../../testbed/state.ts';

const CLI = fileURLToPath(new URL('../../testbed/cli.ts', import.meta.url));

interface Started { stateDir: string; hosts: { leaderPid: number }[] }

function startInChild(): Promise<{ pid: number; started: Started }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '1', '--disk'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ pid: child.pid!, started: JSON.parse(line) as Started });
    });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    child.on('exit', (code) => reject(new Error(`test bed child exited ${code}: ${err}`)));
  });
}

describe.skipIf(!isRoot)(`test bed: leftovers of a killed run${rootNote()}`, () => {
  let bed: Testbed | undefined;
  afterAll(async () => bed?.stop());

  test('the next start removes everything a kill -9 left and nothing else', async () => {
    const { pid, started } = await startInChild();
    const resources = readResources(started.stateDir);
    expect(resources.map((r) => r.kind)).toEqual(expect.arrayContaining(['process', 'cgroup', 'mount', 'loop', 'link', 'netns', 'dir']));
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    // Killed, so nothing was undone: the container still runs.
    expect(stillPresent(resources)).toEqual(expect.arrayContaining([expect.stringMatching(/^process /)]));

    bed = await startHosts(1);
    expect(stillPresent(resources)).toEqual([]);
    expect(existsSync(started.stateDir)).toBe(false);
    expect((await bed.hosts[0]!.exec(['systemctl', 'is-system-running'])).stdout.trim()).toBe('running');
  });
});
