import { statfs } from 'node:fs/promises';
import type { SpaceInfo } from './run-result.ts';

/** Free space and inodes as an unprivileged user sees them (bavail, like df). */
export async function spaceOf(path: string): Promise<SpaceInfo> {
  const s = await statfs(path);
  return {
    freeBytes: s.bavail * s.bsize,
    totalBytes: s.blocks * s.bsize,
    freeInodes: s.ffree,
    totalInodes: s.files,
  };
}
