/** Runs the real, built binary (`node bin/linkdest.mjs`) the way a user or a CI job does. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const bin = `${repoRoot}/bin/linkdest.mjs`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** stdin is a pipe (never a terminal) unless the caller wraps the command in `script`. */
export async function runCli(args: string[], opts: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await execa('node', [bin, ...args], {
    reject: false,
    input: opts.input ?? '',
    cwd: opts.cwd ?? repoRoot,
    timeout: opts.timeoutMs ?? 120_000,
    env: { NO_COLOR: '1' },
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Why the binary cannot run plan/apply yet, or undefined when it can. */
export function cliUnavailable(): string | undefined {
  if (!existsSync(`${repoRoot}/dist/linkdest.mjs`)) return 'dist/linkdest.mjs missing: run `npm run build`';
  try {
    execFileSync('node', [bin, 'apply', '--help'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'plan/apply not registered in provision/commands/index.ts (or not built)';
  }
}
