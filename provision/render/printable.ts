/**
 * Text from hosts (file contents in diffs, command output in errors) reaches the admin's
 * terminal. Control characters in it could move the cursor, retitle the window or hide
 * lines, so the human renderers show them as visible escapes instead (`\x1b`, `\r`).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Tabs and newlines stay; every other control character becomes a visible escape. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
