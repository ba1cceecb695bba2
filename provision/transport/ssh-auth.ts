/**
 * Which credentials an SSH connection offers, in OpenSSH's order: the identity files
 * first, then the agent. Keys are parsed here so a bad or encrypted file named in the
 * inventory fails with a clear sentence instead of an ssh2 stack.
 */
import { readFile } from 'node:fs/promises';
import type { AuthMethod, ParsedKey } from 'ssh2';
import type { LinkdestError } from '../../runtime/errors.ts';

export interface IdentityFile {
  path: string;
  /** Named by the user (inventory): a missing or unusable file is an error, not skipped. */
  required: boolean;
}

export interface AuthPlan {
  methods: AuthMethod[];
  /** What was offered, for "authentication failed (tried ...)". */
  tried: string[];
}

function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

export async function authMethods(
  username: string,
  identityFiles: readonly IdentityFile[],
  agent: string | undefined,
  fail: (message: string, cause?: unknown) => LinkdestError,
): Promise<AuthPlan> {
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  for (const id of identityFiles) {
    let data: Buffer;
    try {
      data = await readFile(id.path);
    } catch (err) {
      if (id.required) throw fail(`identity file ${id.path}: ${readError(err)}`, err);
      continue;
    }
    const { default: ssh2 } = await import('ssh2');
    const parsed = ssh2.utils.parseKey(data);
    if (parsed instanceof Error) {
      const encrypted = /encrypt|passphrase/i.test(parsed.message);
      // An encrypted key is normally unlocked in the agent, which is tried next.
      if (!id.required || (encrypted && agent)) continue;
      const hint = encrypted ? 'is encrypted: load it into ssh-agent (ssh-add) instead' : `cannot be parsed: ${parsed.message}`;
      throw fail(`identity file ${id.path} ${hint}`);
    }
    const key: ParsedKey | undefined = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key === undefined) continue;
    methods.push({ type: 'publickey', username, key } as AuthMethod);
    tried.push(`identity ${id.path}`);
  }
  if (agent) {
    methods.push({ type: 'agent', username, agent } as AuthMethod);
    tried.push(`ssh-agent ${agent}`);
  }
  return { methods, tried };
}
