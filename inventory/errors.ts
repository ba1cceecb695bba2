/**
 * Inventory problems as `file:line:col dotted.path: reason`, every problem at once.
 * Positions come from the YAML document itself: `locate` walks a path (as zod reports it)
 * down the node tree as far as it exists and returns the closest node, so a wrong value
 * points at the value and a missing key points at the map that should hold it.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { LinkdestError, EXIT } from '../runtime/errors.ts';
import { issuePath } from '../runtime/config.ts';

export type Path = readonly PropertyKey[];

export interface Problem {
  /** Where in the document (as written), for the position. */
  at: Path;
  /** Point at the key rather than the value (missing or unknown keys). */
  key?: boolean;
  /** Path shown to the user; defaults to `at`. */
  shown?: Path;
  reason: string;
}

/** Several inventory problems, one per line; thrown once after everything was checked. */
export class InventoryError extends LinkdestError {
  readonly lines: readonly string[];

  constructor(lines: readonly string[]) {
    super(lines.join('\n'), { exitCode: EXIT.error });
    this.name = 'InventoryError';
    this.lines = lines;
  }
}

function start(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function isEmpty(node: unknown): boolean {
  return node == null || (isScalar(node) && node.value == null);
}

/**
 * Offset of the node closest to `path`: the value when the whole path exists (or its key
 * when `key` is set or the value is empty), else the key of the deepest existing map entry.
 * A string step met at a list is skipped: shorthands like `vms: [a, b]` are normalised to
 * `{domains: [a, b]}` before validation, and the list item is still the right place.
 */
export function locateOffset(doc: Document, path: Path, key = false): number {
  let node: unknown = doc.contents;
  let best = start(node) ?? 0;
  let i = 0;
  while (i < path.length) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      best = start(pair.key) ?? best;
      node = pair.value;
      const last = i === path.length - 1;
      if (last && !key && !isEmpty(node)) best = start(node) ?? best;
    } else if (isSeq(node)) {
      if (typeof seg !== 'number') { i++; continue; }
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      best = start(item) ?? best;
    } else {
      // The path goes deeper than the document (a scalar normalised to a list or map):
      // the scalar itself is the closest thing the user wrote.
      if (!isEmpty(node)) best = start(node) ?? best;
      break;
    }
    i++;
  }
  return best;
}

export interface Located { line: number; col: number; text: string }

/** One problem as the line a user reads. */
export function formatProblem(file: string, doc: Document, lc: LineCounter, p: Problem): Located {
  const { line, col } = lc.linePos(locateOffset(doc, p.at, p.key));
  return { line, col, text: `${file}:${line}:${col} ${issuePath(p.shown ?? p.at)}: ${p.reason}` };
}

/** Document order, each line once (a bad default is found once per host that inherits it). */
export function sortedLines(found: readonly Located[]): string[] {
  const sorted = [...found].sort((a, b) => a.line - b.line || a.col - b.col || a.text.localeCompare(b.text));
  return [...new Set(sorted.map((f) => f.text))];
}

/** YAML syntax errors carry their own position; keep only the first line of the message. */
export function yamlErrorLine(file: string, err: { code: string; message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): Located {
  const pos = err.linePos?.[0] ?? { line: 1, col: 1 };
  const reason = err.code === 'MULTIPLE_DOCS'
    ? 'expected one YAML document (remove the "---" line)'
    : err.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').split('\n')[0]!;
  return { line: pos.line, col: pos.col, text: `${file}:${pos.line}:${pos.col} ${reason}` };
}
