/**
 * A minimal QMP client (QEMU Machine Protocol: JSON lines over the guest's monitor socket),
 * enough to plug disks in and out of a running guest the way a person plugs a USB disk:
 * `blockdev-add` + `device_add`, `device_del` (the guest's ACPI eject) + `blockdev-del`.
 * One command at a time; events (DEVICE_DELETED) are kept until someone waits for them.
 */
import { createConnection, type Socket } from 'node:net';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

export interface Qmp {
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Resolves with the first event (already received or still to come) that matches. */
  waitEvent(name: string, match: (e: QmpEvent) => boolean, timeoutMs: number): Promise<QmpEvent>;
  close(): void;
}

export async function openQmp(socketPath: string): Promise<Qmp> {
  const socket: Socket = createConnection(socketPath);
  socket.setEncoding('utf8');
  const events: QmpEvent[] = [];
  const replies: ((msg: Record<string, unknown>) => void)[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  let greeted: () => void = () => {};
  const greeting = new Promise<void>((resolve) => { greeted = resolve; });
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line === '') continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ('QMP' in msg) greeted();
      else if ('event' in msg) { events.push(msg as unknown as QmpEvent); for (const w of waiters.splice(0)) w(); }
      else replies.shift()?.(msg);
    }
  });
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  await greeting;

  const execute = (command: string, args?: Record<string, unknown>): Promise<unknown> => new Promise((resolve, reject) => {
    replies.push((msg) => {
      if ('error' in msg) reject(new Error(`qmp ${command}: ${JSON.stringify(msg.error)}`));
      else resolve(msg.return);
    });
    socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) })}\n`);
  });
  await execute('qmp_capabilities');

  return {
    execute,
    async waitEvent(name, match, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = events.findIndex((e) => e.event === name && match(e));
        if (i >= 0) return events.splice(i, 1)[0]!;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`qmp: no ${name} event within ${timeoutMs / 1000} s`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
    },
    close: () => socket.destroy(),
  };
}
