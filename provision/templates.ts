/**
 * Renders templates/*.hbs. Strict (a missing field is an error, not an empty string) and
 * without HTML escaping; instead each kind of file gets the escaping its own format
 * needs, through helpers: `unit` (unit file values), `exec` (ExecStart argv), `fstab`
 * (octal escapes), `cronCommand` (POSIX quoting, `%` escaped for cron).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { execLine, unitValue } from './systemd/escape.ts';
import { fstabEscape } from './facts/parse-mounts.ts';
import { quoteArgv } from './transport/quote.ts';

export type TemplateName = 'mount.mount' | 'automount.automount' | 'linkdest.service' | 'linkdest.timer' | 'linkdest-verify.service' | 'linkdest-verify.timer' | 'linkdest-attach.service' | 'fstab-line' | 'cron';

export const TEMPLATE_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

const hbs = Handlebars.create();
hbs.registerHelper('unit', (v: unknown) => unitValue(String(v)));
hbs.registerHelper('exec', (argv: unknown) => execLine(argv as string[]));
hbs.registerHelper('fstab', (v: unknown) => {
  const s = String(v);
  if (s === '') throw new Error('empty fstab field');
  return fstabEscape(s);
});
hbs.registerHelper('cronCommand', (argv: unknown) => {
  const line = quoteArgv(argv as string[]);
  if (/[\r\n]/.test(line)) throw new Error('cron command contains a line break');
  return line.replaceAll('%', '\\%');
});

const compiled = new Map<TemplateName, Handlebars.TemplateDelegate>();

export function renderTemplate(name: TemplateName, context: object): string {
  let template = compiled.get(name);
  if (template === undefined) {
    const source = readFileSync(`${TEMPLATE_DIR}${name}.hbs`, 'utf8');
    template = hbs.compile(source, { strict: true, noEscape: true });
    compiled.set(name, template);
  }
  return template(context);
}
