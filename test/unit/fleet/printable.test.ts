import { describe, expect, test } from 'vitest';
import { printable } from '../../../provision/render/printable.ts';
import { formatHostPlan } from '../../../provision/render/plan-text.ts';

const ESC = String.fromCharCode(27);

describe('printable', () => {
  test.each([
    ['plain text', 'plain text'],
    ['tab\tand\nnewline stay', 'tab\tand\nnewline stay'],
    [`${ESC}]0;owned${String.fromCharCode(7)}title`, '\\x1b]0;owned\\x07title'],
    [`${ESC}[2Jcleared`, '\\x1b[2Jcleared'],
    ['carriage\rreturn', 'carriage\\rreturn'],
    ['del\u007f and c1 \u009b', 'del\\x7f and c1 \\x9b'],
    ['ünïcödé stays', 'ünïcödé stays'],
  ])('%j', (input, shown) => expect(printable(input)).toBe(shown));

  test('a file on the host with terminal escapes shows them visibly in the plan diff', () => {
    const text = formatHostPlan('marte', [{
      resource: 'file:/etc/fstab', action: 'update', summary: 'update /etc/fstab',
      diff: { path: '/etc/fstab', before: `UUID=1 /mnt ext4 defaults 0 2 ${ESC}[8m\n`, after: 'UUID=1 /mnt ext4 noatime 0 2\n' },
    }]);
    expect(text).not.toContain(ESC);
    expect(text).toContain('-UUID=1 /mnt ext4 defaults 0 2 \\x1b[8m');
  });
});
