/**
 * Adding or editing one host in linkdest.yml as text, keeping everything else as the user
 * wrote it: comments, key order, anchors, other hosts. Works on the `yaml` Document (not
 * on plain data), changing only the nodes whose values differ.
 */
import { Document, isMap, parseDocument, YAMLMap } from 'yaml';

/** Keys of a host entry the wizard owns; others (hooks, exclude, log...) are left alone. */
const MANAGED = ['ssh', 'disk', 'mountpoint', 'mount', 'sources', 'vms', 'schedule', 'retention', 'report'] as const;
/** Inside `report`, only these are asked; metrics_file and the like stay. */
const REPORT_MANAGED = ['mail', 'healthcheck_url'];

const NEW_FILE_HEADER = [
  ' linkdest inventory, written by `linkdest init`. Keys: docs/inventory.md.',
  ' Check with `linkdest plan`, converge with `linkdest apply`; add hosts with `linkdest init`.',
].join('\n');

export const FORMAT = { lineWidth: 0, flowCollectionPadding: false } as const;

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export interface InventoryView {
  /** Host name -> its raw settings (null for an empty entry). */
  hosts: Record<string, unknown>;
  defaults: Record<string, unknown>;
}

function parse(text: string, file: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc;
}

/** The parts of an existing inventory the wizard reads (for defaults and duplicate hosts). */
export function viewInventory(text: string, file = 'linkdest.yml'): InventoryView {
  const data: unknown = parse(text, file).toJS({ maxAliasCount: 1000 });
  const obj = isPlain(data) ? data : {};
  return { hosts: isPlain(obj.hosts) ? obj.hosts : {}, defaults: isPlain(obj.defaults) ? obj.defaults : {} };
}

/** The host already set up for this address (by ssh.host or by name), if any. */
export function hostForAddress(view: InventoryView, address: string): string | undefined {
  const want = address.toLowerCase();
  for (const [name, settings] of Object.entries(view.hosts)) {
    const ssh = isPlain(settings) && isPlain(settings.ssh) ? settings.ssh : {};
    const host = typeof ssh.host === 'string' ? ssh.host : name;
    if (host.toLowerCase() === want) return name;
  }
  return undefined;
}

/** Set `value` at `path`, touching only what differs; `managed` limits which keys may be removed. */
function setDeep(doc: Document, path: (string | number)[], value: unknown, managed?: readonly string[]): void {
  const node = doc.getIn(path, true);
  if (isPlain(value) && isMap(node)) {
    for (const [k, v] of Object.entries(value)) setDeep(doc, [...path, k], v);
    for (const item of [...node.items]) {
      const key = String((item.key as { value?: unknown })?.value ?? item.key);
      if (!(key in value) && (managed === undefined || managed.includes(key))) doc.deleteIn([...path, key]);
    }
    return;
  }
  const current: unknown = node === undefined ? undefined : doc.getIn(path);
  const currentJs = current !== null && typeof current === 'object' && 'toJSON' in current ? (current as { toJSON(): unknown }).toJSON() : current;
  if (node !== undefined && same(currentJs, value)) return;
  doc.setIn(path, doc.createNode(value));
}

/**
 * The file with the host appended as text after the last host, when `hosts:` is a block map
 * that ends the file; undefined otherwise (the Document is rendered instead).
 */
function appendHostText(text: string, doc: Document, name: string, fragment: Record<string, unknown>): string | undefined {
  const hosts = doc.getIn(['hosts'], true);
  if (!isMap(hosts) || hosts.flow || hosts.items.length === 0 || !isMap(doc.contents)) return undefined;
  const top = doc.contents.items;
  if ((top[top.length - 1]?.value as unknown) !== hosts) return undefined;
  const first = hosts.items[0]!.key as { range?: [number, number, number] };
  const start = first.range?.[0];
  if (start === undefined) return undefined;
  const indent = start - (text.lastIndexOf('\n', start - 1) + 1);
  const entry = new Document({ [name]: fragment }).toString(FORMAT).trimEnd().split('\n').map((l) => ' '.repeat(indent) + l).join('\n');
  return `${text.trimEnd()}\n${entry}\n`;
}

/** The file with only the edited host's lines replaced, so the rest stays byte for byte. */
export function spliceHostText(text: string, host: YAMLMap, range: number[] | undefined): string | undefined {
  if (range === undefined || host.flow) return undefined;
  const [start, , end] = range as [number, number, number];
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (text.slice(lineStart, start).trim() !== '') return undefined;
  const indent = start - lineStart;
  const alone = new Document();
  alone.contents = host;
  // A comment before the map sits on the `NAME:` line, outside the range being replaced.
  const before = host.commentBefore;
  host.commentBefore = undefined;
  const body = alone.toString(FORMAT).trimEnd().split('\n').map((l) => ' '.repeat(indent) + l).join('\n');
  host.commentBefore = before;
  const tail = text.slice(end);
  return `${text.slice(0, lineStart)}${body}\n${text[end - 1] === '\n' ? tail : tail.replace(/^[^\S\n]*\n?/, '')}`;
}

/** The inventory text with `hosts.NAME` added, or updated in place when it exists. */
export function upsertHost(text: string | undefined, name: string, fragment: Record<string, unknown>, file = 'linkdest.yml'): string {
  if (text === undefined || text.trim() === '') {
    const doc = parseDocument('hosts: {}\n');
    doc.commentBefore = NEW_FILE_HEADER;
    const hosts = new YAMLMap();
    hosts.set(name, doc.createNode(fragment));
    doc.set('hosts', hosts);
    return doc.toString(FORMAT);
  }
  const doc = parse(text, file);
  if (!isMap(doc.getIn(['hosts'], true))) doc.setIn(['hosts'], new YAMLMap());
  const existing = doc.getIn(['hosts', name], true);
  if (!isMap(existing)) {
    const appended = appendHostText(text, doc, name, fragment);
    doc.setIn(['hosts', name], doc.createNode(fragment));
    const rendered = doc.toString(FORMAT);
    // The appended text is byte-for-byte the user's file plus the host; used when it means the same.
    return appended !== undefined && same(parseDocument(appended).toJS(), parseDocument(rendered).toJS()) ? appended : rendered;
  }
  const range = existing.range ? [...existing.range] : undefined;
  for (const key of MANAGED) {
    const value = fragment[key];
    if (value === undefined) {
      if (key === 'report') {
        if (!isMap(doc.getIn(['hosts', name, 'report'], true))) continue;
        for (const sub of REPORT_MANAGED) doc.deleteIn(['hosts', name, 'report', sub]);
        const report = doc.getIn(['hosts', name, 'report'], true);
        if (isMap(report) && report.items.length === 0) doc.deleteIn(['hosts', name, 'report']);
      } else {
        doc.deleteIn(['hosts', name, key]);
      }
      continue;
    }
    // A disk that switched kind (usb <-> iscsi) is replaced whole by setDeep removing the other.
    setDeep(doc, ['hosts', name, key], value, key === 'report' ? REPORT_MANAGED : undefined);
  }
  const rendered = doc.toString(FORMAT);
  const spliced = spliceHostText(text, existing, range);
  return spliced !== undefined && same(parseDocument(spliced).toJS(), parseDocument(rendered).toJS()) ? spliced : rendered;
}
