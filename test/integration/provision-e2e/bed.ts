/**
 * Shared by the provision end-to-end suites: when they can run (and why not), inventories
 * written as YAML into a per-suite tmp dir, and a few questions asked of a booted host.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hasCommand, isRoot } from '../../support/needs.ts';
import type { TestHost } from '../../testbed/index.ts';
import { cliUnavailable, repoRoot, runCli, type CliResult } from '../../unit/fleet/run-cli.ts';

export { runCli, repoRoot, type CliResult };

/** Why the end-to-end suites cannot run on this machine now, or undefined. */
export function e2eUnavailable(): string | undefined {
  if (!isRoot) return 'needs root';
  if (!hasCommand('systemd-nspawn')) return 'needs systemd-nspawn';
  const cli = cliUnavailable();
  if (cli !== undefined) return cli;
  if (!existsSync(join(repoRoot, 'dist/linkdest-runtime.mjs'))) return 'dist/linkdest-runtime.mjs missing (runtime/cli.ts not built yet)';
  return undefined;
}

export function suiteTitle(name: string, reason: string | undefined): string {
  return reason === undefined ? name : `${name} (skipped: ${reason})`;
}

/** Small disks and a short history: the runtime's free-space rules must fit a test disk. */
export const SMALL_DISK_RETENTION = {
  keep_min: 2,
  min_free_before: '1M',
  min_free_after: '1M',
  min_inodes_before: 10,
  min_inodes_after: 10,
};

/** Inventory settings that reach one test bed host over SSH. */
export function sshOf(host: TestHost, knownHosts = host.ssh.known_hosts): Record<string, unknown> {
  return { host: host.ssh.host, port: 22, user: 'root', identity: host.ssh.identity, known_hosts: knownHosts };
}

export class Workdir {
  private constructor(readonly dir: string) {}

  static async create(tag: string): Promise<Workdir> {
    return new Workdir(await mkdtemp(join(tmpdir(), `linkdest-e2e-${tag}-`)));
  }

  /** Writes linkdest.yml (or `name`) from plain data, as a user would write it. */
  async inventory(data: Record<string, unknown>, name = 'linkdest.yml'): Promise<string> {
    const file = join(this.dir, name);
    await writeFile(file, stringify(data));
    return file;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** `apply`/`plan` with --json: the document, failing loudly when stdout is not JSON. */
export interface JsonHost {
  host: string;
  status: string;
  step: string | null;
  error: string | null;
  changes: { resource: string; action: string; summary: string }[] | null;
  applied?: { changes: unknown[]; handlers: string[] };
  commands?: { total: number; mutating: number };
}

export function parseJson(r: CliResult): { exit_code: number; hosts: JsonHost[]; summary: Record<string, number> } {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout.slice(0, 500)} | ${r.stderr.slice(0, 500)}`);
  }
}

/** Output of argv on the host, trimmed; '' when it fails. */
export async function out(host: TestHost, argv: string[]): Promise<string> {
  const r = await host.exec(argv);
  return r.code === 0 ? r.stdout.trim() : '';
}

export async function fileExists(host: TestHost, path: string): Promise<boolean> {
  return (await host.exec(['test', '-e', path])).code === 0;
}

/** `blkid -p` probe of a device as KEY=value pairs ({} when nothing is on it). */
export async function probe(host: TestHost, device: string): Promise<Record<string, string>> {
  const text = await out(host, ['blkid', '-p', '-o', 'export', device]);
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Files named `name` anywhere under `dir` on the host. */
export async function findFiles(host: TestHost, dir: string, name: string): Promise<string[]> {
  const text = await out(host, ['find', dir, '-type', 'f', '-name', name]);
  return text === '' ? [] : text.split('\n');
}
