/**
 * iSCSI names as a user writes them: portals `ADDR[:PORT]` (IPv6 in brackets) and target
 * names (RFC 3720: iqn.YYYY-MM.reversed.domain[:anything], eui.<16 hex>, naa.<16|32 hex>).
 */
export const ISCSI_PORT = 3260;

export interface Portal { address: string; port: number }

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** `192.0.2.10`, `nas.lan:3261`, `[2001:db8::1]:3260` -> {address, port}; a string is the reason it is not. */
export function parsePortal(text: string): Portal | string {
  let address: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  if (v6) {
    address = v6[1]!;
    port = v6[2];
    if (!IPV6.test(address) || !address.includes(':')) return `"${address}" is not an IPv6 address`;
  } else {
    if ((text.match(/:/g) ?? []).length > 1) return 'write an IPv6 address in brackets, e.g. [2001:db8::10]:3260';
    const m = /^([^:]*)(?::(\d+))?$/.exec(text);
    if (!m || !HOSTNAME.test(m[1]!)) return 'expected ADDRESS or ADDRESS:PORT, e.g. 192.0.2.10:3260';
    address = m[1]!;
    port = m[2];
  }
  const n = port === undefined ? ISCSI_PORT : Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) return `port ${port} is not between 1 and 65535`;
  return { address, port: n };
}

/** The `ADDR:PORT` form iscsiadm and runtime/config.ts expect (brackets around IPv6). */
export function formatPortal(p: Portal): string {
  return p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`;
}

const LABEL = '[a-z0-9]([a-z0-9-]*[a-z0-9])?';
const IQN = new RegExp(`^iqn\\.\\d{4}-(0[1-9]|1[0-2])\\.${LABEL}(\\.${LABEL})*(:[a-z0-9.:-]+)?$`);
const EUI = /^eui\.[0-9a-fA-F]{16}$/;
const NAA = /^naa\.([0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/;

/** Undefined when `name` is a valid iSCSI target name, else why not. */
export function targetNameProblem(name: string): string | undefined {
  if (name.length > 223) return 'an iSCSI name is at most 223 characters';
  if (IQN.test(name) || EUI.test(name) || NAA.test(name)) return undefined;
  if (/^iqn\./i.test(name) && name !== name.toLowerCase()) return 'iSCSI names are lowercase';
  return 'expected an iSCSI name such as iqn.2004-04.com.qnap:ts-569pro:iscsi.backup (iqn.YYYY-MM.domain:name)';
}
