/**
 * Removing a directory the test bed made, safely: first unmount anything mounted below it
 * (an overlay left by a killed run, the /proc a killed debootstrap left), then delete
 * without crossing into another filesystem, so a stale bind of /dev or / is never followed.
 */
import { readFile } from 'node:fs/promises';
import { run } from './run.ts';

/** Mount points at or below `dir`, deepest first. Mountinfo escapes spaces as \040. */
export function mountsBelow(mountinfo: string, dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  const found: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (point === base || point.startsWith(`${base}/`)) found.push(point);
  }
  return found.sort((a, b) => b.length - a.length);
}

export async function unmountBelow(dir: string): Promise<void> {
  const points = mountsBelow(await readFile('/proc/self/mountinfo', 'utf8'), dir);
  for (const point of points) {
    const res = await run('umount', [point], { allowFail: true });
    if (res.code !== 0) await run('umount', ['-l', point], { allowFail: true });
  }
}

export async function removeTree(dir: string): Promise<void> {
  await unmountBelow(dir);
  await run('rm', ['-rf', '--one-file-system', '--', dir]);
}
