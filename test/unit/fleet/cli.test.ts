/**
 * plan/apply through the real binary: argument errors, the --yes rule, exit codes and
 * output for a host nothing answers on (a closed port on loopback). No root needed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { cliUnavailable, runCli } from './run-cli.ts';

const unavailable = cliUnavailable();

/** A loopback port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const oneLine = (s: string) => s.trim().split('\n');

describe.skipIf(unavailable !== undefined)(`linkdest plan/apply CLI${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir = '';
  let inventory = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'linkdest-cli-'));
    inventory = join(dir, 'linkdest.yml');
    await writeFile(join(dir, 'known_hosts'), '');
    await writeFile(inventory, stringify({
      hosts: {
        ghost: {
          ssh: { host: '127.0.0.1', port: await closedPort(), user: 'root', known_hosts: join(dir, 'known_hosts') },
          disk: { usb: { device: '/dev/disk/by-id/usb-Nobody_Disk_0000-0:0' }, label: 'linkdest' },
          mountpoint: '/mnt/Backup',
          sources: ['/srv/data'],
        },
      },
    }));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test.each([
    [['plan', '--bogus'], "linkdest: unknown option '--bogus'"],
    [['apply', '--forks', '0'], '--forks'],
    [['plan', '--forks', 'many'], 'expected a whole number of hosts'],
    [['apply', '--inventory'], '--inventory'],
  ])('%j: one line on stderr, exit 2, nothing on stdout', async (args, needle) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(needle);
    expect(r.stdout).toBe('');
  });

  test('apply without --yes when stdin is not a terminal is refused before anything is read or touched', async () => {
    const r = await runCli(['apply', '-i', join(dir, 'does-not-exist.yml')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toEqual(['linkdest: apply: refusing to apply without confirmation: stdin is not a terminal; pass --yes']);
  });

  test('a missing inventory file: one line naming it, exit 1', async () => {
    const missing = join(dir, 'missing.yml');
    const r = await runCli(['plan', '-i', missing]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(missing);
  });

  test('plan on an unreachable host: exit 1, the host is reported unreachable at connect', async () => {
    const r = await runCli(['plan', '-i', inventory]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ghost: unreachable at connect: .*(refused|ECONNREFUSED)/m);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('plan --json on an unreachable host: one JSON document, exit_code 1', async () => {
    const r = await runCli(['plan', '--json', '-i', inventory]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ command: 'plan', exit_code: 1, summary: { unreachable: 1 } });
    expect(doc.hosts[0]).toMatchObject({ host: 'ghost', status: 'unreachable', step: 'connect', changes: null });
  });

  test('apply --yes on an unreachable host: nothing to apply, the table says why, exit 1', async () => {
    const r = await runCli(['apply', '--yes', '-i', inventory]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ghost\s+unreachable\s+-\s+\S+\s+connect: .*(refused|ECONNREFUSED)/m);
    expect(r.stdout).toContain('1 host: 0 ok, 0 changed, 0 failed, 1 unreachable');
  });

  test('--limit naming no host or group is an error, exit non-zero, one line', async () => {
    const r = await runCli(['plan', '-i', inventory, '--limit', 'nosuchhost']);
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('nosuchhost');
  });
});
