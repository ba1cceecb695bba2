/**
 * Enrolling and retiring a rotation disk as an edit of linkdest.yml's text. The usual case,
 * a block list `disks:` under the host's `disk.rotation`, gets one line added or one item's
 * lines removed, so every other byte of the file stays as the user wrote it. Anything else
 * (no such list yet, a flow list) re-renders only that host's entry, as `linkdest init`
 * does (wizard/inventory-edit.ts), and the rest of the file stays byte for byte.
 */
import { Document, isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { LinkdestError } from '../../runtime/errors.ts';
import { FORMAT, spliceHostText } from '../wizard/inventory-edit.ts';

export interface EnrolledDisk {
  id: string;
  uuid: string;
  luks_uuid?: string;
}

const DISKS_PATH = (host: string) => ['hosts', host, 'disk', 'rotation', 'disks'];

function parse(text: string, file: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new LinkdestError(`${file}: ${doc.errors[0]!.message.split('\n')[0]}`, { step: 'inventory' });
  return doc;
}

function hostNode(doc: Document, host: string, file: string): YAMLMap {
  const node = doc.getIn(['hosts', host], true);
  if (!isMap(node)) throw new LinkdestError(`${file}: host ${host} has no settings map of its own to record the disk in`, { step: 'inventory' });
  return node;
}

const lineStartOf = (text: string, at: number): number => text.lastIndexOf('\n', at - 1) + 1;
const lineEndOf = (text: string, at: number): number => {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl + 1;
};

/** The flow map one disk is written as: `{ id: A, uuid: ... }`. */
function diskText(d: EnrolledDisk): string {
  return new Document(d).toString({ ...FORMAT, collectionStyle: 'flow' }).trim();
}

function rerenderHost(text: string, doc: Document, host: string, range: number[] | undefined): string {
  const node = doc.getIn(['hosts', host], true) as YAMLMap;
  return spliceHostText(text, node, range) ?? doc.toString(FORMAT);
}

/** The text with `d` appended to the host's `disk.rotation.disks` (created when missing). */
export function addRotationDisk(text: string, host: string, d: EnrolledDisk, file = 'linkdest.yml'): string {
  const doc = parse(text, file);
  const h = hostNode(doc, host, file);
  const disk = doc.getIn(['hosts', host, 'disk'], true);
  if (isMap(disk) && (disk.has('usb') || disk.has('iscsi'))) {
    throw new LinkdestError(`${file}: host ${host} has disk.${disk.has('usb') ? 'usb' : 'iscsi'}; a rotation disk cannot be added beside it (docs/rotation.md: moving a host to rotation)`, { step: 'inventory' });
  }
  const seq = doc.getIn(DISKS_PATH(host), true);
  if (isSeq(seq) && !seq.flow && seq.items.length > 0) {
    const first = (seq.items[0] as { range?: number[] }).range;
    const last = (seq.items[seq.items.length - 1] as { range?: number[] }).range;
    if (first && last) {
      const dash = text.lastIndexOf('-', first[0]! - 1);
      const indent = dash - lineStartOf(text, dash);
      const at = lineEndOf(text, Math.max(last[1]! - 1, 0));
      const line = `${' '.repeat(indent)}- ${diskText(d)}\n`;
      const before = text.slice(0, at);
      return `${before}${before.endsWith('\n') ? '' : '\n'}${line}${text.slice(at)}`;
    }
  }
  const range = h.range ? [...h.range] : undefined;
  if (isSeq(seq)) (seq as YAMLSeq).items.push(doc.createNode(d));
  else doc.setIn(DISKS_PATH(host), doc.createNode([d]));
  return rerenderHost(text, doc, host, range);
}

/** The text without disk `id` in the host's list; an error when it is not there. */
export function removeRotationDisk(text: string, host: string, id: string, file = 'linkdest.yml'): string {
  const doc = parse(text, file);
  const h = hostNode(doc, host, file);
  const seq = doc.getIn(DISKS_PATH(host), true);
  const index = isSeq(seq) ? seq.items.findIndex((it) => isMap(it) && String(it.get('id')) === id) : -1;
  if (!isSeq(seq) || index < 0) throw new LinkdestError(`${file}: host ${host} has no rotation disk ${id} of its own`, { step: 'inventory', exitCode: 2 });
  const item = seq.items[index] as { range?: number[] };
  if (!seq.flow && item.range && seq.items.length > 1) {
    const dash = text.lastIndexOf('-', item.range[0]! - 1);
    const from = lineStartOf(text, dash);
    const to = lineEndOf(text, Math.max(item.range[1]! - 1, from));
    if (text.slice(from, dash).trim() === '') return text.slice(0, from) + text.slice(to);
  }
  const range = h.range ? [...h.range] : undefined;
  seq.items.splice(index, 1);
  return rerenderHost(text, doc, host, range);
}

/** The host's own enrolled disks as written (for the next free id, duplicates). */
export function hostRotationDisks(text: string, host: string, file = 'linkdest.yml'): EnrolledDisk[] {
  const data = parse(text, file).getIn(DISKS_PATH(host));
  const js = (data as { toJSON?: () => unknown } | undefined)?.toJSON?.();
  return Array.isArray(js) ? js as EnrolledDisk[] : [];
}
