/**
 * `linkdest init`: guided first-time setup of one host, from "a server and a disk" to a
 * nightly backup (provision/wizard/flow.ts). Every question has a flag; with --yes the
 * flow runs without a terminal.
 */
import type { Command } from 'commander';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { createAsker, inquirerBackend } from '../wizard/ask.ts';
import { connectHost } from '../wizard/connect-step.ts';
import { realConverger } from '../wizard/finish-step.ts';
import { addInitFlags, presetsFromFlags, type InitFlags } from '../wizard/flags.ts';
import { runInit } from '../wizard/flow.ts';
import { transportProbe } from '../wizard/host-probe.ts';
import { transportDiscovery } from '../wizard/iscsi-discovery.ts';
import { sendWithNodemailer } from '../wizard/report-step.ts';

export function register(program: Command): void {
  const cmd = program.command('init').description('guided setup of a host: disk or iSCSI LUN, sources, schedule, reports; then plan, apply, first backup');
  addInitFlags(cmd).action(async (flags: InitFlags) => {
    if (!flags.yes && !process.stdin.isTTY) {
      throw new LinkdestError('stdin is not a terminal: pass --yes and the answers as flags (linkdest init --help)', { step: 'init', exitCode: EXIT.usage });
    }
    const presets = presetsFromFlags(flags, (key) => cmd.getOptionValueSource(key) === 'cli');
    const ask = createAsker({ presets, yes: flags.yes === true, backend: inquirerBackend() });
    const debug = program.opts().debug === true;
    process.exitCode = await runInit(
      {
        inventory: flags.inventory, mountpoint: flags.mountpoint,
        ...(flags.source && { sources: flags.source }),
        connect: { debug, ...(flags.hostKeyFingerprint !== undefined && { expectedFingerprint: flags.hostKeyFingerprint }) },
      },
      {
        ask, out: (t) => process.stdout.write(t), connect: connectHost, probe: transportProbe, discover: transportDiscovery,
        sendMail: sendWithNodemailer, converger: realConverger,
      },
    );
  });
}
