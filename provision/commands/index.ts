import type { Command } from 'commander';

/** Each command module adds itself (name, options, action) to the program. */
export type RegisterCommand = (program: Command) => void;

type CommandModule = () => Promise<{ register: RegisterCommand }>;

/**
 * The command modules, by the names they register, in the order `linkdest --help` lists
 * them: set up, run, look, restore, remove. Loaded when needed (the CLI bundle's chunks,
 * scripts/build.mjs): `linkdest status` reads only what status needs, which halves the
 * start of a day-two command; help and an unknown name load them all.
 */
const MODULES: [names: string[], load: CommandModule][] = [
  [['init'], () => import('./init.ts')],
  [['inventory'], () => import('./inventory.ts')],
  [['trust'], () => import('./trust.ts')],
  [['plan'], () => import('./plan.ts')],
  [['apply'], () => import('./apply.ts')],
  [['disk'], () => import('./disk.ts')],
  [['discover'], () => import('./discover.ts')],
  [['snapshot'], () => import('./snapshot.ts')],
  [['run'], () => import('./run.ts')],
  [['status'], () => import('./status.ts')],
  [['report'], () => import('./report.ts')],
  [['snapshots'], () => import('./snapshots.ts')],
  [['pin', 'unpin'], () => import('./pin.ts')],
  [['accept'], () => import('./accept.ts')],
  [['verify'], () => import('./verify.ts')],
  [['history'], () => import('./history.ts')],
  [['diff'], () => import('./diff.ts')],
  [['logs'], () => import('./logs.ts')],
  [['restore'], () => import('./restore.ts')],
  [['uninstall'], () => import('./uninstall.ts')],
];

/**
 * What to register for these arguments (process.argv's, after node and the script): the
 * named command's module when the first word names one (linkdest's own options before it
 * take no value), none for --version alone, else every module, in order.
 */
export async function commandsFor(args: readonly string[]): Promise<RegisterCommand[]> {
  const word = args.find((a) => !a.startsWith('-'));
  if (word === undefined && args.some((a) => a === '-V' || a === '--version') && !args.some((a) => a === '-h' || a === '--help')) return [];
  const named = MODULES.find(([names]) => word !== undefined && names.includes(word));
  const modules = await Promise.all((named ? [named] : MODULES).map(([, load]) => load()));
  return modules.map((m) => m.register);
}
