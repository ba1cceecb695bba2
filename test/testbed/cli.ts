/**
 * By hand: `npx tsx test/testbed/cli.ts reap` removes leftovers of dead runs;
 * `remove DIR` undoes one state dir; `image` builds the image; `start N [--disk]` boots N hosts,
 * prints them as JSON and waits (used by the kill -9 test, handy for poking around).
 */
import { reapDeadTestbeds, removeStateDir } from './cleanup.ts';
import { ensureImage } from './image.ts';
import { startHosts } from './testbed.ts';

const [command, arg] = process.argv.slice(2);
const log = (line: string) => process.stderr.write(`${line}\n`);

if (command === 'reap') {
  const dirs = await reapDeadTestbeds(log);
  log(`testbed: ${dirs.length} dead test bed(s) removed`);
} else if (command === 'remove' && arg) {
  const errors = await removeStateDir(arg);
  if (errors.length) log(errors.join('\n'));
} else if (command === 'image') {
  process.stdout.write(`${await ensureImage(log)}\n`);
} else if (command === 'start') {
  const bed = await startHosts(Number(arg ?? 1), { log });
  if (process.argv.includes('--disk')) for (const h of bed.hosts) await h.attachDisk(16 * 1024 * 1024);
  process.stdout.write(`${JSON.stringify({
    id: bed.id, gateway: bed.gateway, dir: bed.dir, stateDir: bed.stateDir,
    hosts: bed.hosts.map((h) => ({ name: h.name, address: h.address, leaderPid: h.leaderPid })),
  })}\n`);
  setInterval(() => {}, 60_000);
} else {
  log('usage: cli.ts reap | remove STATE_DIR | image | start N [--disk]');
  process.exitCode = 2;
}
