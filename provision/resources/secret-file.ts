/**
 * A secret copied from the control machine to the host (the SMTP password): read from its
 * SecretRef when planning (only to compare hashes) and again when applying; the value is
 * never kept in the plan, never gathered from the host, and every diff of it is masked.
 */
import { readFileSync } from 'node:fs';
import { LinkdestError } from '../../runtime/errors.ts';
import type { SecretRef } from '../../inventory/host-spec.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import type { HostApplyContext, HostResource } from './host-resource.ts';
import { applyFile, fileChange, type FileChangeData, type FileSpec } from './file.ts';

/** The secret's value; one trailing newline of a password file is not part of it. */
export function readSecret(ref: SecretRef, what: string): string {
  if ('password_env' in ref) {
    const v = process.env[ref.password_env];
    if (v === undefined || v === '') throw new LinkdestError(`${what}: environment variable ${ref.password_env} is not set`, { step: 'secrets' });
    return v;
  }
  try {
    return readFileSync(ref.password_file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new LinkdestError(`${what}: cannot read ${ref.password_file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { step: 'secrets' });
  }
}

export class SecretFileResource implements HostResource {
  readonly id: string;
  readonly query;
  private readonly spec: FileSpec;

  constructor(path: string, private readonly ref: SecretRef, private readonly what: string) {
    this.id = `file:${path}`;
    this.spec = { path, mode: 0o600, secret: true };
    this.query = { files: [{ path, secret: true }] };
  }

  check(facts: Facts): Change[] {
    const c = fileChange(this.id, facts, this.spec, readSecret(this.ref, this.what));
    return c ? [c] : [];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) await applyFile(ctx, this.spec, c.data as FileChangeData, () => readSecret(this.ref, this.what));
  }
}
