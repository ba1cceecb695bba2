/**
 * Text from hosts and inventories (host names, warnings, error lines) goes into the HTML
 * report only through here: the five characters that can end a text node or an attribute
 * value become entities, and control characters become visible escapes.
 */
import { printable } from '../render/printable.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
