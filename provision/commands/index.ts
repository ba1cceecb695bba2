import type { Command } from 'commander';
import { register as init } from './init.ts';
import { register as plan } from './plan.ts';
import { register as apply } from './apply.ts';
import { register as discover } from './discover.ts';
import { register as snapshot } from './snapshot.ts';
import { register as status } from './status.ts';
import { register as run } from './run.ts';
import { register as snapshots } from './snapshots.ts';
import { register as history } from './history.ts';
import { register as restore } from './restore.ts';
import { register as pin } from './pin.ts';
import { register as accept } from './accept.ts';
import { register as verify } from './verify.ts';
import { register as diff } from './diff.ts';
import { register as logs } from './logs.ts';
import { register as uninstall } from './uninstall.ts';
import { register as trust } from './trust.ts';
import { register as inventory } from './inventory.ts';
import { register as report } from './report.ts';
import { register as disk } from './disk.ts';

/** Each command module adds itself (name, options, action) to the program. */
export type RegisterCommand = (program: Command) => void;

/** In the order `linkdest --help` lists them: set up, run, look, restore, remove. */
export const commands: RegisterCommand[] = [
  init, inventory, trust, plan, apply, disk, discover, snapshot, run, status, report, snapshots, pin, accept, verify, history, diff, logs, restore, uninstall,
];
