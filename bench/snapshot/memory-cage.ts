/**
 * BENCH_MEMORY_MB: the commands run as if the tree were larger than the machine's memory. Each
 * timed command runs in a memory cgroup of that size (page cache included, so the copy does
 * not stay cached: reading it back goes to the disk), after the caches are dropped, on a loop
 * device in direct I/O (its reads go to the disk, not to the host's cache of the image file).
 * cgroup v2 (`memory.max`) or v1 (`memory.limit_in_bytes`); root only.
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface MemoryCage {
  /** argv that runs `argv` inside the cgroup. */
  wrap(argv: string[]): string[];
  /** Before each command: the page cache dropped, for every command alike. */
  coldCache(): void;
  close(): void;
}

export function memoryCage(mb: number): MemoryCage {
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const dir = v2 ? '/sys/fs/cgroup/linkdest-bench' : '/sys/fs/cgroup/memory/linkdest-bench';
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${v2 ? 'memory.max' : 'memory.limit_in_bytes'}`, String(mb * 1024 * 1024));
  return {
    wrap: (argv) => ['sh', '-c', 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', 'sh', dir, ...argv],
    coldCache: () => {
      execFileSync('sync');
      writeFileSync('/proc/sys/vm/drop_caches', '3');
    },
    close: () => { try { rmdirSync(dir); } catch { /* a process still inside: left for the next run */ } },
  };
}
