/**
 * For tests of the bed itself: which recorded resources of a state dir still exist on the
 * machine. Empty after a correct teardown.
 */
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { isAlive, type Resource } from './state.ts';

export function stillPresent(resources: Resource[]): string[] {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  const loops = execFileSync('losetup', ['--list', '--noheadings', '-O', 'BACK-FILE'], { encoding: 'utf8' });
  const left: string[] = [];
  for (const r of resources) {
    if (r.kind === 'process' && isAlive(r.pid, r.start)) left.push(`process ${r.pid} (${r.what})`);
    if (r.kind === 'mount' && mountinfo.split('\n').some((l) => l.split(' ')[4] === r.path)) left.push(`mount ${r.path}`);
    if (r.kind === 'netns' && netns.split('\n').some((l) => l.split(' ')[0] === r.name)) left.push(`netns ${r.name}`);
    if (r.kind === 'link' && new RegExp(`^\\d+: ${r.name}[@:]`, 'm').test(links)) left.push(`link ${r.name}`);
    if (r.kind === 'loop' && loops.split('\n').some((l) => l.trim() === r.file)) left.push(`loop on ${r.file}`);
    if (r.kind === 'dir' && existsSync(r.path)) left.push(`dir ${r.path}`);
    if (r.kind === 'cgroup' && existsSync(r.path)) left.push(`cgroup ${r.path}`);
  }
  return left;
}
