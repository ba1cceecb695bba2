/**
 * The CLI loads only the module of the command it runs (provision/commands/index.ts): each
 * name must lead to the module that registers it, or `linkdest NAME` would be an unknown command.
 */
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { commandsFor } from '../../../provision/commands/index.ts';

const namesAfter = async (args: string[]): Promise<string[]> => {
  const program = new Command('linkdest');
  for (const register of await commandsFor(args)) register(program);
  return program.commands.map((c) => c.name());
};

describe('which command modules the CLI loads (provision/commands/index.ts)', () => {
  test('with no command named, every command, in the order help lists them', async () => {
    const all = await namesAfter([]);
    expect(all.slice(0, 4)).toEqual(['init', 'inventory', 'trust', 'plan']);
    expect(all.at(-1)).toBe('uninstall');
    expect(all).toEqual(expect.arrayContaining(['snapshot', 'status', 'pin', 'unpin', 'disk', 'verify', 'restore']));
    expect(await namesAfter(['--help'])).toEqual(all);
    expect(await namesAfter(['no-such-command'])).toEqual(all);
  });

  test('each command, named, loads a module that registers it', async () => {
    const all = await namesAfter([]);
    for (const name of all) {
      const loaded = await namesAfter(['--debug', name, '--json']);
      expect(loaded, name).toContain(name);
      // Only that module: a few names at most (pin registers unpin too).
      expect(loaded.length, name).toBeLessThanOrEqual(2);
    }
  });

  test('--version alone loads none', async () => {
    expect(await namesAfter(['--version'])).toEqual([]);
    expect(await namesAfter(['-V', '--help'])).toEqual(await namesAfter([]));
  });
});
