/**
 * `host`, `host:port`, `[v6]`, `[v6]:port` as users write addresses (iSCSI portals, jump
 * hosts): the one place that knows the bracket rule. A string result is why the text is
 * not one, worded for the user.
 */
export interface HostPort {
  host: string;
  port?: number;
}

const IPV6 = /^[0-9A-Fa-f:.]+$/;

export interface HostPortRules {
  /** Allowed host names (IPv6 addresses are checked separately). */
  hostPattern: RegExp;
  /** The whole form with an example, e.g. 'expected ADDRESS or ADDRESS:PORT, e.g. 192.0.2.10:3260'. */
  expected: string;
  /** An IPv6 example with a port, e.g. '[2001:db8::10]:3260'. */
  v6Example: string;
}

export function splitHostPort(text: string, rules: HostPortRules): HostPort | string {
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    port = v6[2];
    if (!IPV6.test(host) || !host.includes(':')) return `"${host}" is not an IPv6 address`;
  } else {
    if ((text.match(/:/g) ?? []).length > 1) return `write an IPv6 address in brackets, e.g. ${rules.v6Example}`;
    const m = /^([^:]*)(?::(\d*))?$/.exec(text);
    if (!m || !rules.hostPattern.test(m[1]!)) return rules.expected;
    host = m[1]!;
    port = m[2];
  }
  if (port === undefined) return { host };
  const n = Number(port);
  if (port === '' || !Number.isInteger(n) || n < 1 || n > 65535) return `port ${port === '' ? '""' : port} is not between 1 and 65535`;
  return { host, port: n };
}
