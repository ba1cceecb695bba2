/**
 * The only way the provisioner touches a host. Commands are argv arrays: implementations
 * quote them in exactly one place (quote.ts) when a shell is unavoidable (SSH exec).
 */
export interface RunOptions {
  /** Bytes fed to the command's stdin (secrets go here, never into argv). */
  stdin?: string | Buffer;
  /** Environment additions for this command. */
  env?: Record<string, string>;
  /** Return a non-zero exit as a result instead of throwing. */
  allowFailure?: boolean;
  /** Kill the command after this long. */
  timeoutMs?: number;
  /**
   * Marks the command as changing the host; idempotence tests count these and a
   * converged host must see none.
   */
  mutating?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface PutFileOptions {
  mode: number;
  owner?: string;
  group?: string;
}

/** Every command a transport ran, for --debug output and idempotence tests. */
export interface CommandRecord {
  argv: readonly string[];
  mutating: boolean;
  code: number;
  ms: number;
}

export interface Transport {
  /** Inventory host name, used in errors. */
  readonly name: string;
  /** Commands run so far on this transport (including file transfers, as pseudo-argv). */
  readonly history: readonly CommandRecord[];
  /** Open the connection (SSH handshake, host-key check). Idempotent. */
  connect(): Promise<void>;
  /** Run argv on the host (through `sudo -n` when the transport is set to become root). */
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Write a file atomically (temp file in the same directory, chmod/chown, rename). */
  putFile(path: string, content: string | Buffer, opts: PutFileOptions): Promise<void>;
  /** Read a file; undefined when it does not exist. */
  getFile(path: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}
