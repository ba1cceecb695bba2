/** Shared helpers for the inventory tests: parse YAML text as if it were ./linkdest.yml. */
import { parseInventory, type Inventory } from '../../../inventory/load.ts';
import { InventoryError } from '../../../inventory/errors.ts';

export const DIR = '/srv/inventory';
export const HOME = '/home/admin';

/** Strip the indentation of the first line from every line, so cases read like the file. */
export function yml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = /^ */.exec(text)![0].length;
  return text.split('\n').map((l) => l.slice(indent)).join('\n');
}

export function parse(text: string): Inventory {
  return parseInventory(text, 'linkdest.yml', { dir: DIR, home: HOME });
}

/** The lines of the InventoryError `text` produces (fails the test when it loads cleanly). */
export function problems(text: string): string[] {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof InventoryError) return [...e.lines];
    throw e;
  }
  throw new Error('expected the inventory to be rejected, but it loaded');
}
