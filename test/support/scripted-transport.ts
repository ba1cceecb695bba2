/**
 * A Transport for unit tests of resources and apply: it records every command (and
 * putFile, as a mutating step) and answers from a function of the argv; no answer is
 * success with empty output. A non-zero answer throws unless the caller allowed failure,
 * as the real transports do.
 */
import type { HostApplyContext } from '../../provision/resources/host-resource.ts';
import type { CommandRecord, RunOptions, RunResult, Transport } from '../../provision/transport/transport.ts';

export type Answer = (argv: readonly string[]) => Partial<RunResult> | undefined;

export class ScriptedTransport implements Transport {
  readonly history: CommandRecord[] = [];
  constructor(private readonly answer: Answer = () => undefined, readonly name = 'marte') {}
  async connect() {}
  async close() {}
  async getFile() { return undefined; }
  async putFile(path: string) {
    this.history.push({ argv: ['putFile', path], mutating: true, code: 0, ms: 0 });
  }
  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const r: RunResult = { stdout: '', stderr: '', code: 0, ...this.answer(argv) };
    this.history.push({ argv, mutating: opts.mutating ?? false, code: r.code, ms: 0 });
    if (r.code !== 0 && !opts.allowFailure) throw new Error(`${argv.join(' ')} failed`);
    return r;
  }
  /** The mutating commands, each as one line. */
  mutations(): string[] {
    return this.history.filter((r) => r.mutating).map((r) => r.argv.join(' '));
  }
}

/** What a resource's apply gets on host `marte`, with nothing noted by earlier resources. */
export const applyContext = (transport: Transport, host = 'marte'): HostApplyContext => ({
  transport, host, log: () => {}, flushHandlers: async () => {}, disk: {},
});
