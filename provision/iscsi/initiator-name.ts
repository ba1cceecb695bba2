/**
 * The initiator name linkdest gives a host that has none. Readable on purpose: the admin
 * types it into the NAS's list of allowed initiators, and `iqn.2004-10.com.linkdest:marte`
 * says which machine it is where `iqn.1993-08.org.debian:01:5d53465fc62` does not.
 */
export const LINKDEST_IQN_PREFIX = 'iqn.2004-10.com.linkdest';

/** `iqn.2004-10.com.linkdest:HOSTNAME`, hostname lowercased and reduced to IQN characters. */
export function generatedInitiatorName(hostname: string): string {
  const short = hostname.trim().toLowerCase().split('.')[0] ?? '';
  const clean = short.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'host';
  return `${LINKDEST_IQN_PREFIX}:${clean}`;
}

/** The InitiatorName= value of /etc/iscsi/initiatorname.iscsi content, if any. */
export function initiatorNameOf(content: string): string | undefined {
  return /^\s*InitiatorName=(\S+)\s*$/m.exec(content)?.[1];
}

export function initiatorFileContent(name: string): string {
  return `## Written by linkdest. The NAS allows this host by this name: keep it unique and stable.\nInitiatorName=${name}\n`;
}
