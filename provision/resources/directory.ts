/** The mount point (or, without a disk, the backup directory itself). */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';

export class DirectoryResource implements HostResource {
  readonly id: string;
  readonly query;

  constructor(private readonly path: string) {
    this.id = `directory:${path}`;
    this.query = { files: [{ path }] };
  }

  check(facts: Facts): Change[] {
    const f = facts.files[this.path];
    if (f?.exists && f.type === 'directory') return [];
    if (f?.exists) throw new LinkdestError(`${this.path} exists and is a ${f.type}, not a directory`, { step: 'directory' });
    return [{ resource: this.id, action: 'create', summary: `create directory ${this.path}` }];
  }

  async apply(_changes: Change[], ctx: HostApplyContext): Promise<void> {
    await mutate(ctx, ['mkdir', '-p', '-m', '0755', '--', this.path]);
  }
}
