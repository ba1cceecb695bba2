/**
 * Readable parts of an iSCSI target name, so `linkdest discover` can show
 * `QNAP ts-569pro, target "backuprbme"` instead of a long IQN. QNAP's pattern is
 * `iqn.2004-04.com.qnap:MODEL:iscsi.TARGETNAME.ID` (ID: six hex digits it makes up);
 * other names are split by RFC 3720 into naming authority and the rest.
 */

export interface IqnParts {
  /** Known vendor from the naming authority (QNAP, Synology...), if any. */
  vendor?: string;
  /** NAS model, when the vendor's pattern carries it (QNAP). */
  model?: string;
  /** The name the user typed when creating the target, or the part after the authority. */
  target: string;
  /** Vendor's unique suffix (QNAP). */
  id?: string;
  /** Reversed back to a domain: `com.qnap` -> `qnap.com`. */
  authority?: string;
  /** YYYY-MM the authority owned the domain. */
  date?: string;
}

const VENDORS: Record<string, string> = {
  'com.qnap': 'QNAP',
  'com.synology': 'Synology',
  'org.freenas.ctl': 'TrueNAS',
  'org.linux-iscsi': 'Linux LIO',
  'com.netapp': 'NetApp',
  'com.equallogic': 'Dell EqualLogic',
  'com.asustor': 'ASUSTOR',
  'com.thecus': 'Thecus',
  'com.buffalo': 'Buffalo',
  'com.wdc': 'Western Digital',
  'com.open-e': 'Open-E',
};

const IQN = /^iqn\.(\d{4}-\d{2})\.([^:]+)(?::(.*))?$/;
const QNAP = /^([^:]+):iscsi\.(.+)\.([0-9a-f]{6})$/;

export function describeIqn(name: string): IqnParts {
  const m = IQN.exec(name);
  if (!m) return { target: name };
  const date = m[1]!;
  const reversed = m[2]!;
  const rest = m[3] ?? '';
  const authority = reversed.split('.').reverse().join('.');
  const vendorKey = Object.keys(VENDORS).find((k) => reversed === k || reversed.startsWith(`${k}.`));
  const vendor = vendorKey === undefined ? undefined : VENDORS[vendorKey];
  const base: IqnParts = { target: rest === '' ? reversed : rest, authority, date, ...(vendor ? { vendor } : {}) };
  if (reversed === 'com.qnap') {
    const q = QNAP.exec(rest);
    if (q) return { ...base, model: q[1]!, target: q[2]!, id: q[3]! };
  }
  return base;
}

/** One line for people: `QNAP ts-569pro, target "backuprbme" (id d70ea1)`. */
export function describeIqnLine(name: string): string {
  const p = describeIqn(name);
  if (p.authority === undefined) return `target "${p.target}"`;
  const who = p.vendor ? [p.vendor, p.model].filter(Boolean).join(' ') : p.authority;
  return `${who}, target "${p.target}"${p.id ? ` (id ${p.id})` : ''}`;
}
