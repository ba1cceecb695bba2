/**
 * A host over SSH (ssh2): ONE connection per host, opened once and reused for every
 * command and file transfer (each is a channel on it). The host key is checked strictly
 * against known_hosts before anything else is sent; commands travel as argv quoted by
 * quote.ts, the only place a shell string is made. Behind jump hosts, the connection runs
 * over a forwarded channel of the last jump's own SshTransport (opened once, reused, closed
 * after the target), each hop checked and authenticated like a direct host.
 */
import { constants } from 'node:os';
import type { Client as SshClient, ClientChannel, ConnectConfig } from 'ssh2';
import { LinkdestError } from '../../runtime/errors.ts';
import { ExecTransport, type ExecOptions, type RawResult } from './exec-transport.ts';
import { describeHostKeyProblem, hostKeyAlgorithms } from './host-key-policy.ts';
import { checkHostKey, knownHostName, readKnownHosts } from './known-hosts.ts';
import { quoteArgv } from './quote.ts';
import { describeKeyWithLine, forwardThrough } from './jump-forward.ts';
import { authMethods, type IdentityFile } from './ssh-auth.ts';
import { describeConnectFailure } from './connect-failure.ts';

export type { IdentityFile } from './ssh-auth.ts';

/** Where and as whom to log in, and how to check the host: a target or a jump host alike. */
export interface SshEndpoint {
  /** Address actually connected to (after ssh_config HostName). */
  host: string;
  port: number;
  user: string;
  identityFiles: IdentityFile[];
  /** ssh-agent socket; tried after the identity files. */
  agent?: string;
  /** Checked strictly; the first one is the file named in "how to accept" hints. */
  knownHostsFiles: string[];
}

/** One jump host, resolved like a target; `name` is how the user wrote it (alias or address). */
export interface JumpHop extends SshEndpoint {
  name: string;
}

export interface SshTransportOptions extends SshEndpoint {
  /** Inventory name, used in errors. */
  name: string;
  /** Prefix commands with `sudo -n --` (the caller decides: only for non-root users). */
  become: boolean;
  readyTimeoutMs?: number;
  /** ssh2 protocol debug lines (--debug). */
  debug?: (line: string) => void;
  /** Jump hosts, nearest to this machine first (ProxyJump). */
  jumps?: readonly JumpHop[];
  /** Set when this transport IS a jump host: its name, put in front of every connect error. */
  jumpName?: string;
}

/** sshd allows 10 sessions per connection by default (MaxSessions); stay below it. */
const MAX_CHANNELS = 8;
/**
 * sshd frees a session only once it has reaped the command's process, which can be after it
 * closed the channel: a busy connection then briefly meets "no more sessions" (MaxSessions).
 */
const SESSION_RETRIES = 5;
const RETRY = Symbol('retry');

export class SshTransport extends ExecTransport {
  private client: SshClient | undefined;
  private connecting: Promise<void> | undefined;
  private lost: LinkdestError | undefined;
  private busy = 0;
  private readonly waiting: (() => void)[] = [];
  /** The key the server offered in the last handshake (for a later `linkdest trust`). */
  offeredHostKey: Buffer | undefined;
  /** The last jump host (itself behind the earlier ones): the target's connection runs over it. */
  private readonly via: SshTransport | undefined;

  constructor(private readonly opts: SshTransportOptions) {
    // SSH cannot signal a command once its stdin is closed (ssh2 sends no signal on a
    // half-closed channel, and sshd would signal as the login user, not as root under
    // sudo), so a remote timeout(1) kills it a second after we give up on it.
    super(opts.name, opts.become, 1);
    const jumps = opts.jumps ?? [];
    const last = jumps[jumps.length - 1];
    if (last !== undefined) {
      const { name: jumpName, ...hop } = last;
      this.via = new SshTransport({
        ...hop, name: opts.name, become: false, jumpName, jumps: jumps.slice(0, -1),
        ...(opts.readyTimeoutMs !== undefined && { readyTimeoutMs: opts.readyTimeoutMs }),
        ...(opts.debug && { debug: (line: string) => opts.debug?.(`jump ${jumpName}: ${line}`) }),
      });
    }
  }

  /**
   * A channel from this host to host:port (direct-tcpip), for the next hop's handshake.
   * Waits at most the handshake timeout: sshd answers only when its own connect ends.
   */
  async forward(host: string, port: number): Promise<ClientChannel> {
    await this.connect();
    const client = this.client;
    if (client === undefined) throw this.lost ?? this.fail('not connected');
    const timeoutMs = this.opts.readyTimeoutMs ?? 10_000;
    return forwardThrough(client, { jump: this.opts.jumpName ?? this.opts.host, to: { host, port }, timeoutMs }, (m, cause) => this.fail(m, cause));
  }

  connect(): Promise<void> {
    // A failed attempt is forgotten, so a later command tries again rather than replaying it.
    this.connecting ??= this.open().catch(async (err: unknown) => {
      this.connecting = undefined;
      await this.via?.close(); // no jump connection outlives a failed attempt; a retry reopens it
      throw err;
    });
    return this.connecting;
  }

  async close(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    await pending?.catch(() => undefined); // a handshake in progress must not outlive close()
    const client = this.client;
    this.client = undefined;
    await this.endClient(client);
    await this.via?.close(); // target first, then each jump host towards this machine
  }

  private async endClient(client: SshClient | undefined): Promise<void> {
    if (client === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
  }

  private fail(message: string, cause?: unknown): LinkdestError {
    return new LinkdestError(message.replace(/\s*\n\s*/g, ' '), { host: this.name, step: 'connect', cause });
  }

  /** A failure of this hop: a jump host names itself first, so the user knows which one. */
  private hopFail(message: string, cause?: unknown): LinkdestError {
    const { jumpName, host, port } = this.opts;
    return this.fail(jumpName === undefined ? message : `jump host ${jumpName} (${host}:${port}): ${message}`, cause);
  }

  private async open(): Promise<void> {
    const { host, port, user } = this.opts;
    const entries = await readKnownHosts(this.opts.knownHostsFiles).catch((err: Error) => {
      throw this.hopFail(`cannot read known_hosts: ${err.message}`, err);
    });
    const name = knownHostName(host, port);
    const auth = await authMethods(user, this.opts.identityFiles, this.opts.agent, (m, cause) => this.hopFail(m, cause));
    const sock = this.via === undefined ? undefined : await this.via.forward(host, port);
    // `linkdest trust` reaches targets, also through jumps, but not the jumps themselves: they get the line to add.
    const direct = this.opts.jumpName === undefined;
    let hostKeyProblem: string | undefined;
    // ssh2 (and its crypto modules) load with the first connection: local commands start without them.
    const { default: ssh2 } = await import('ssh2');
    const client = new ssh2.Client();
    client.setMaxListeners(4 * MAX_CHANNELS);
    const config: ConnectConfig = {
      host,
      port,
      username: user,
      authHandler: auth.methods,
      readyTimeout: this.opts.readyTimeoutMs ?? 10_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: hostKeyAlgorithms(entries, name) },
      hostVerifier: (key: Buffer): boolean => {
        this.offeredHostKey = key;
        const verdict = checkHostKey(entries, name, key);
        if (verdict.kind === 'match') return true;
        const ctx = { host, port, files: this.opts.knownHostsFiles, inventoryName: this.name };
        hostKeyProblem = direct || verdict.kind === 'revoked' ? describeHostKeyProblem(verdict, ctx) : describeKeyWithLine(verdict, ctx, key);
        return false;
      },
      ...(sock !== undefined && { sock }),
      ...(this.opts.debug ? { debug: this.opts.debug } : {}),
    };
    let ready = false;
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', () => {
          ready = true;
          resolve();
        });
        // ssh2 may emit several errors for one failure (timeout, then "connection lost
        // before handshake"): a listener must stay for good, or the second one crashes us.
        client.on('error', (err: Error) => {
          if (!ready) reject(err);
          else this.lost = this.fail(`connection to ${host}:${port} lost: ${err.message}`, err);
        });
        client.connect(config);
      });
    } catch (err) {
      client.end();
      sock?.destroy();
      throw this.connectError(err as Error & { level?: string; code?: string }, hostKeyProblem, auth.tried);
    }
    this.lost = undefined;
    client.on('close', () => {
      this.lost ??= this.fail(`connection to ${host}:${port} closed`);
      if (this.client !== client) return;
      // Commands in flight fail; the next one reconnects (and checks the host key again).
      this.client = undefined;
      this.connecting = undefined;
    });
    this.client = client;
  }

  private connectError(err: Error & { level?: string; code?: string }, hostKeyProblem: string | undefined, tried: string[]): LinkdestError {
    const { host, port, user, readyTimeoutMs, jumpName } = this.opts;
    const text = describeConnectFailure(err, { host, port, user, readyTimeoutMs: readyTimeoutMs ?? 10_000, asJump: jumpName !== undefined }, hostKeyProblem, tried);
    return jumpName === undefined ? this.fail(text, err) : this.hopFail(text, err);
  }

  private async slot(): Promise<() => void> {
    if (this.busy >= MAX_CHANNELS) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy++;
    return () => {
      this.busy--;
      this.waiting.shift()?.();
    };
  }

  protected async exec(argv: readonly string[], opts: ExecOptions): Promise<RawResult> {
    await this.connect();
    const release = await this.slot();
    try {
      for (let attempt = 0; ; attempt++) {
        const client = this.client;
        if (client === undefined) throw this.lost ?? this.fail('not connected');
        const result = await this.execOn(client, quoteArgv(argv), opts, attempt < SESSION_RETRIES);
        if (result !== RETRY) return result;
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    } finally {
      release();
    }
  }

  private execOn(client: SshClient, command: string, opts: ExecOptions, mayRetry: boolean): Promise<RawResult | typeof RETRY> {
    const fail = (message: string): LinkdestError => new LinkdestError(message, { host: this.name, step: opts.step });
    return new Promise<RawResult | typeof RETRY>((resolve, reject) => {
      const onLost = (): void => reject(fail(`connection lost while running the command`));
      client.once('close', onLost);
      client.exec(command, (err: Error | undefined, ch: ClientChannel) => {
        if (err) {
          client.off('close', onLost);
          // The command never started, so asking again is safe (see SESSION_RETRIES).
          if (mayRetry && typeof (err as Error & { reason?: unknown }).reason === 'number') resolve(RETRY);
          else reject(fail(`cannot start command over SSH: ${err.message}`));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | undefined;
        let signal: string | undefined;
        let timedOut = false;
        ch.on('data', (d: Buffer) => out.push(d));
        ch.stderr.on('data', (d: Buffer) => errOut.push(d));
        ch.on('exit', (c: number | null, s?: string) => {
          if (typeof c === 'number') code = c;
          else signal = s;
        });
        const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
          timedOut = true;
          client.off('close', onLost);
          ch.close();
          reject(fail(`timed out after ${(opts.timeoutMs ?? 0) / 1000} s`));
        }, opts.timeoutMs);
        ch.on('close', () => {
          clearTimeout(timer);
          client.off('close', onLost);
          if (timedOut) return;
          const bySignal = signal === undefined ? 255 : 128 + (constants.signals[`SIG${signal}` as keyof typeof constants.signals] ?? 0);
          resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(errOut), code: code ?? bySignal });
        });
        ch.end(opts.stdin);
      });
    });
  }
}
