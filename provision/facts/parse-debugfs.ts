/**
 * Parser of `debugfs -R 'ls -p /' DEV`: lines `/inode/mode/uid/gid/name/size/`. Lets the
 * planner see a marker file on an ext4 filesystem that is not mounted, without mounting it.
 */
export function parseDebugfsLs(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\/\d+\/\d+\/\d+\/\d+\/(.*)\/\d*\/$/.exec(line.trim());
    if (m && m[1] !== '.' && m[1] !== '..') names.push(m[1]!);
  }
  return names;
}
