/**
 * iSCSI names as a user writes them: portals `ADDR[:PORT]` (IPv6 in brackets) and target
 * names (RFC 3720: iqn.YYYY-MM.reversed.domain[:anything], eui.<16 hex>, naa.<16|32 hex>).
 */
import { splitHostPort } from './host-port.ts';

export const ISCSI_PORT = 3260;

export interface Portal { address: string; port: number }

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** `192.0.2.10`, `nas.lan:3261`, `[2001:db8::1]:3260` -> {address, port}; a string is the reason it is not. */
export function parsePortal(text: string): Portal | string {
  const hp = splitHostPort(text, { hostPattern: HOSTNAME, expected: 'expected ADDRESS or ADDRESS:PORT, e.g. 192.0.2.10:3260', v6Example: '[2001:db8::10]:3260' });
  return typeof hp === 'string' ? hp : { address: hp.host, port: hp.port ?? ISCSI_PORT };
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
