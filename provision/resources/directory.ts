/**
 * The mount point (or, without a disk, the backup directory itself): 0700 root, or 0750
 * with `backup_group` (restore operators), because snapshots keep old and foreign modes and
 * owners (docs/runtime.md, "Who can read the snapshots"). The runtime holds the mounted
 * root and each set to the same rule at every run.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';

export interface DirectoryAccess {
  /** Group of restore operators; unset: root only. */
  group?: string;
}

const octal = (m: number): string => `0${m.toString(8)}`;

export class DirectoryResource implements HostResource {
  readonly id: string;
  readonly query;
  private readonly mode: number;

  constructor(private readonly path: string, private readonly access: DirectoryAccess = {}) {
    this.id = `directory:${path}`;
    this.query = { files: [{ path }] };
    this.mode = access.group === undefined ? 0o700 : 0o750;
  }

  check(facts: Facts): Change[] {
    const f = facts.files[this.path];
    const want = `${octal(this.mode)}${this.access.group === undefined ? '' : ` group ${this.access.group}`}`;
    if (f?.exists && f.type === 'directory') {
      const modeOk = f.mode === undefined || f.mode === this.mode;
      const groupOk = this.access.group === undefined || f.group === undefined || f.group === this.access.group;
      if (modeOk && groupOk) return [];
      const was = `${f.mode === undefined ? '?' : octal(f.mode)}${this.access.group === undefined ? '' : ` group ${f.group ?? '?'}`}`;
      return [{ resource: this.id, action: 'update', summary: `directory ${this.path}: ${was} -> ${want}` }];
    }
    if (f?.exists) throw new LinkdestError(`${this.path} exists and is a ${f.type}, not a directory`, { step: 'directory' });
    return [{ resource: this.id, action: 'create', summary: `create directory ${this.path} (${want})` }];
  }

  async apply(_changes: Change[], ctx: HostApplyContext): Promise<void> {
    await mutate(ctx, ['mkdir', '-p', '-m', octal(this.mode), '--', this.path]);
    if (this.access.group !== undefined) await mutate(ctx, ['chgrp', '--', this.access.group, this.path]);
    await mutate(ctx, ['chmod', octal(this.mode), '--', this.path]);
  }
}
