import type { Command } from 'commander';
import { register as init } from './init.ts';
import { register as snapshot } from './snapshot.ts';

/** Each command module adds itself (name, options, action) to the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [init, snapshot];
