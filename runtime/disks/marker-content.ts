/**
 * The marker file on a backup filesystem. Rotation disks carry JSON naming their disk id,
 * so a run can check that the disk mounted is the one it chose; older markers are the
 * two-line text `linkdest backup filesystem\nhost: NAME\n` and carry no id.
 */
export interface MarkerInfo {
  host?: string;
  diskId?: string;
}

export function rotationMarkerContent(host: string, diskId: string): string {
  return `${JSON.stringify({ linkdest: 'backup filesystem', host, disk_id: diskId })}\n`;
}

export function parseMarker(text: string): MarkerInfo {
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t) as { host?: unknown; disk_id?: unknown };
      return {
        ...(typeof o.host === 'string' && { host: o.host }),
        ...(typeof o.disk_id === 'string' && { diskId: o.disk_id }),
      };
    } catch {
      return {};
    }
  }
  const host = /^host: (.*)$/m.exec(t)?.[1];
  return host === undefined ? {} : { host };
}
