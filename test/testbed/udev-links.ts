/**
 * The /dev/disk/by-* links udev would make for a disk and its partitions, from `blkid -o export`
 * properties. Pure: the test bed's udev stand-in applies the result inside a host.
 */
export interface ProbedNode {
  /** Node name under /dev, e.g. loop3p1. */
  node: string;
  props: Record<string, string>;
}

export interface DiskLink {
  dir: 'by-uuid' | 'by-label' | 'by-partuuid' | 'by-partlabel';
  name: string;
  /** Relative target as udev writes it: ../../loop3p1 */
  target: string;
}

/** udev's encoding of a link name: bytes outside a safe set become \xHH. */
export function udevEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[0-9A-Za-z#+\-.:=@_]/.test(ch) ? ch : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function parseBlkidExport(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return props;
}

export function desiredLinks(nodes: ProbedNode[]): DiskLink[] {
  const links: DiskLink[] = [];
  for (const { node, props } of nodes) {
    const target = `../../${node}`;
    if (props.UUID) links.push({ dir: 'by-uuid', name: udevEscape(props.UUID), target });
    if (props.LABEL) links.push({ dir: 'by-label', name: udevEscape(props.LABEL), target });
    // `blkid -p` names them PART_ENTRY_*; plain blkid PARTUUID/PARTLABEL.
    const partUuid = props.PART_ENTRY_UUID ?? props.PARTUUID;
    const partLabel = props.PART_ENTRY_NAME ?? props.PARTLABEL;
    if (partUuid) links.push({ dir: 'by-partuuid', name: udevEscape(partUuid), target });
    if (partLabel) links.push({ dir: 'by-partlabel', name: udevEscape(partLabel), target });
  }
  return links;
}
