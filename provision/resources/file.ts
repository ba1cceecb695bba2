/**
 * A file linkdest manages on the host: content compared by sha256, then mode and owner.
 * `fileChange` is the pure part several resources share (unit files, config, bundle);
 * FileResource is the plain case of one file with fixed content.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { Change, Handler } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';
import { MASK } from '../render/mask.ts';

export interface FileSpec {
  path: string;
  mode: number;
  owner?: string;
  group?: string;
  /** Never show or gather the content (hash only); the diff is masked. */
  secret?: boolean;
  /** Large or binary (the runtime bundle): summary with hashes, no diff. */
  noDiff?: boolean;
  /** Turns what is shown in diffs into something safe to show (masks secret values). */
  mask?: (text: string) => string;
  notify?: Handler[];
}

export interface FileChangeData {
  kind: 'file';
  path: string;
  writeContent: boolean;
}

/** Hashes of Buffers already hashed: the runtime bundle is one Buffer shared by every host's plan. */
const bufferHashes = new WeakMap<Buffer, string>();

export function sha256(content: string | Buffer): string {
  if (typeof content === 'string') return createHash('sha256').update(content).digest('hex');
  let h = bufferHashes.get(content);
  if (h === undefined) bufferHashes.set(content, (h = createHash('sha256').update(content).digest('hex')));
  return h;
}

const octal = (m: number): string => `0${m.toString(8)}`;

/**
 * The change that brings `spec.path` to `content`, or undefined when it is in sync.
 * `content` undefined means "not known before apply" (a unit naming a filesystem uuid that
 * mkfs has yet to create): the file is written, its diff shows `placeholder`.
 */
export function fileChange(resource: string, facts: Facts, spec: FileSpec, content: string | Buffer | undefined, placeholder?: string): Change | undefined {
  const fact = facts.files[spec.path] ?? { exists: false };
  const owner = spec.owner ?? 'root';
  const group = spec.group ?? 'root';
  const contentDiffers = content === undefined || fact.sha256 !== sha256(content);
  const attrsDiffer = fact.mode !== spec.mode || fact.owner !== owner || fact.group !== group;
  if (fact.exists && fact.type !== 'file') {
    return { resource, action: 'update', summary: `replace ${fact.type} ${spec.path} with a file`, data: { kind: 'file', path: spec.path, writeContent: true } };
  }
  if (fact.exists && !contentDiffers && !attrsDiffer) return undefined;
  const data: FileChangeData = { kind: 'file', path: spec.path, writeContent: contentDiffers };
  const notify = contentDiffers && spec.notify ? { notify: spec.notify } : {};
  if (!fact.exists) {
    return { resource, action: 'create', summary: `create ${spec.path} (mode ${octal(spec.mode)})`, diff: shownDiff(spec, undefined, content, placeholder), ...notify, data };
  }
  if (!contentDiffers) {
    return { resource, action: 'update', summary: `set ${spec.path} to mode ${octal(spec.mode)}, owner ${owner}:${group}`, data };
  }
  const summary = spec.noDiff && content !== undefined
    ? `update ${spec.path} (sha256 ${fact.sha256?.slice(0, 12)} -> ${sha256(content).slice(0, 12)})`
    : `update ${spec.path}`;
  return { resource, action: 'update', summary, diff: shownDiff(spec, fact.content ?? (spec.secret ? '' : undefined), content, placeholder), ...notify, data };
}

function shownDiff(spec: FileSpec, before: string | undefined, after: string | Buffer | undefined, placeholder?: string): Change['diff'] {
  if (spec.noDiff) return undefined;
  const show = (t: string | Buffer | undefined): string | undefined => {
    if (t === undefined) return undefined;
    if (spec.secret) return `${MASK}\n`;
    const s = t.toString();
    return spec.mask ? spec.mask(s) : s;
  };
  return { path: spec.path, ...(before !== undefined ? { before: show(before) } : {}), after: show(after) ?? placeholder };
}

/** Writes (or just chmods/chowns) one file a change names; content comes from the caller. */
export async function applyFile(ctx: HostApplyContext, spec: FileSpec, data: FileChangeData, content: () => Promise<string | Buffer> | string | Buffer): Promise<void> {
  const owner = spec.owner ?? 'root';
  const group = spec.group ?? 'root';
  if (data.writeContent) {
    await mutate(ctx, ['mkdir', '-p', '--', dirname(spec.path)]);
    ctx.log(`write ${spec.path}`);
    await ctx.transport.putFile(spec.path, await content(), { mode: spec.mode, owner, group });
    return;
  }
  await mutate(ctx, ['chown', `${owner}:${group}`, '--', spec.path]);
  await mutate(ctx, ['chmod', octal(spec.mode), '--', spec.path]);
}

/** One file with content known at plan time (runtime bundle, runtime config). */
export class FileResource implements HostResource {
  readonly id: string;
  readonly query;

  constructor(private readonly spec: FileSpec, private readonly content: string | Buffer) {
    this.id = `file:${spec.path}`;
    this.query = { files: [{ path: spec.path, secret: spec.secret || spec.noDiff }] };
  }

  check(facts: Facts): Change[] {
    const c = fileChange(this.id, facts, this.spec, this.content);
    return c ? [c] : [];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) await applyFile(ctx, this.spec, c.data as FileChangeData, () => this.content);
  }
}
