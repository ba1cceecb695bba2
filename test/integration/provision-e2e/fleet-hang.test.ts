/**
 * A fleet with one host that never answers (it accepts TCP and says nothing) and one that
 * refuses: the others converge and report while the hanging one waits out its handshake
 * timeout. With --json-lines each host's line is written as it finishes, so the order of
 * the lines proves that no healthy host waited for the hanging one in plan and status (no
 * clock is read). apply plans every host before it applies any (one plan, one question), so
 * there the healthy hosts wait for the timeout once, never longer.
 * Light hosts: sshd in its own namespaces and overlay each (test/testbed/light-hosts.ts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLightHosts, type LightBed } from '../../testbed/light-hosts.ts';
import { e2eUnavailable, runCli, suiteTitle } from './bed.ts';

const reason = e2eUnavailable();

interface Line { type: string; host?: string; status?: string; error?: string | null; result?: string; exit_code?: number; summary?: Record<string, number> }
const lines = (stdout: string): Line[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);

describe.skipIf(reason !== undefined)(suiteTitle('fleet: a hanging and a refusing host do not hold the others back', reason), () => {
  let bed: LightBed;
  let hang: Server;
  const sockets: Socket[] = [];
  let inv = '';
  let hangAddr = '';
  let goneAddr = '';

  beforeAll(async () => {
    bed = await startLightHosts(6);
    const [a, b] = bed.hosts[0]!.address.split('.');
    hangAddr = `${a}.${b}.200.1`;
    goneAddr = `${a}.${b}.200.2`;
    hang = createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => hang.listen(22, hangAddr, r));
    const hosts: Record<string, unknown> = Object.fromEntries(bed.hosts.map((h) => [h.name, { ssh: bed.sshOf(h), mountpoint: '/srv/backup', sources: ['/etc'] }]));
    hosts.hanging = { ssh: { ...bed.sshOf(bed.hosts[0]!), host: hangAddr }, mountpoint: '/srv/backup', sources: ['/etc'] };
    hosts.gone = { ssh: { ...bed.sshOf(bed.hosts[0]!), host: goneAddr }, mountpoint: '/srv/backup', sources: ['/etc'] };
    inv = join(bed.dir, 'linkdest.yml');
    await writeFile(inv, stringify({ hosts }));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => (hang ? hang.close(r) : r(undefined)));
    await bed?.stop();
  });

  const hostLinesOf = (stdout: string): { got: Line[]; hostLines: Line[] } => {
    const got = lines(stdout);
    const hostLines = got.filter((l) => l.type === 'host');
    expect(hostLines).toHaveLength(8);
    expect(got.at(-1)).toMatchObject({ type: 'summary', exit_code: 1 });
    const hanging = hostLines.find((l) => l.host === 'hanging')!;
    expect(hanging.error).toMatch(new RegExp(`no SSH handshake with ${hangAddr.replace(/\./g, '\\.')}:22 within 10 s`));
    expect(hostLines.find((l) => l.host === 'gone')!.error).toMatch(/connection refused/);
    return { got, hostLines };
  };

  test('apply --yes --json-lines: the six converge; apply starts once every host is planned (one plan, one question)', async () => {
    const r = await runCli(['apply', '--yes', '--json-lines', '-i', inv], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    const { hostLines } = hostLinesOf(r.stdout);
    // The two that could not be planned are reported as soon as planning ends, before the applies.
    expect(hostLines.slice(0, 2).map((l) => l.host).sort()).toEqual(['gone', 'hanging']);
    expect(hostLines.slice(2).map((l) => [l.host!.slice(0, 5), l.status])).toEqual(Array(6).fill(['light', 'changed']));
  }, 120_000);

  test.each([
    ['plan (converged)', ['plan', '--json-lines'], 'ok'],
    ['status', ['status', '--json-lines'], undefined],
  ] as const)('%s --json-lines: the hanging host is the last line; every other host finished before its timeout', async (_what, args, healthy) => {
    const r = await runCli([...args, '-i', inv], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    const { hostLines } = hostLinesOf(r.stdout);
    expect(hostLines.at(-1)!.host).toBe('hanging');
    const light = hostLines.filter((l) => l.host!.startsWith('light'));
    expect(light).toHaveLength(6);
    if (healthy !== undefined) expect(light.every((l) => l.status === healthy)).toBe(true);
    else expect(light.every((l) => l.result === 'never run')).toBe(true);
  }, 120_000);
});
