/**
 * `linkdest init` from first question to first backup. Questions go through the Asker
 * (flags, --yes defaults, or prompts), the host is only read until the plan is confirmed,
 * and every file is written at the end, atomically: a Ctrl-C anywhere before that leaves
 * nothing behind. Host I/O comes in through InitDeps so tests drive the flow with scripts.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { expandPath } from '../../inventory/build.ts';
import { InventoryError } from '../../inventory/errors.ts';
import { hostAddress, simpleName } from '../../inventory/fields.ts';
import { parseJumpSpec, splitJumpList } from '../../inventory/jump-spec.ts';
import { parseInventory } from '../../inventory/load.ts';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import type { Transport } from '../transport/transport.ts';
import { isPromptExit, type Asker } from './ask.ts';
import { DEFAULT_RETENTION, hostFragment, suggestHostName, type RetentionAnswers, type WizardAnswers } from './answers.ts';
import { connectionSpec, type Connected, type ConnectOptions } from './connect-step.ts';
import { askRetention, askSchedule, askSources, askVms } from './details-step.ts';
import { planApplyAndRun, type Converger } from './finish-step.ts';
import { factsSummary, type HostProbe } from './host-probe.ts';
import { hostForAddress, upsertHost, viewInventory } from './inventory-edit.ts';
import type { IscsiDiscover } from './iscsi-discovery.ts';
import { askReport, type SendMail } from './report-step.ts';
import { askTarget } from './target-step.ts';
import { entryMount } from './mount-step.ts';
import { commitWrites, readIfExists } from './write-files.ts';
import type { HostSpec } from '../../inventory/host-spec.ts';

export interface InitOptions {
  /** linkdest.yml to create or extend. */
  inventory: string;
  mountpoint: string;
  marker?: string;
  /** --source values: skip the sources questions. */
  sources?: string[];
  connect?: ConnectOptions;
}

export interface InitDeps {
  ask: Asker;
  /** The command's result (the plan, the first backup's listing). */
  out: (text: string) => void;
  connect: (spec: HostSpec, ask: Asker, o: ConnectOptions) => Promise<Connected>;
  probe: (t: Transport) => HostProbe;
  discover: (t: Transport) => IscsiDiscover;
  sendMail: SendMail;
  converger: Converger;
  home?: string;
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

async function askHost(ask: Asker, hosts: Raw, view: ReturnType<typeof viewInventory>) {
  const address = (await ask.input({
    id: 'host', message: 'Host to back up (address or ~/.ssh/config alias):',
    validate: (v) => hostAddress.safeParse(v.trim()).success || 'expected a host name or address',
  })).trim();
  const known = hostForAddress(view, address);
  if (known !== undefined) {
    const edit = await ask.confirm({ id: 'edit', message: `${address} is already in the inventory as "${known}". Edit its settings?`, default: true });
    if (!edit) throw new LinkdestError(`${address} is already set up as "${known}"; nothing was changed`, { step: 'init' });
    return { address, name: known, existing: obj(hosts[known]) };
  }
  const name = (await ask.input({
    id: 'name', message: 'Name of this host in linkdest.yml:', default: suggestHostName(address),
    validate: (v) => !simpleName.safeParse(v.trim()).success ? 'letters, digits, ".", "_", "-"'
      : v.trim() in hosts ? `"${v.trim()}" already names another host in the inventory` : true,
  })).trim();
  return { address, name, existing: undefined };
}

export async function runInit(o: InitOptions, d: InitDeps): Promise<number> {
  const { ask } = d;
  const file = resolve(o.inventory);
  const dir = dirname(file);
  const home = d.home ?? homedir();
  const before = await readIfExists(file);
  let view;
  try {
    view = before === undefined ? { hosts: {}, defaults: {} } : viewInventory(before, o.inventory);
  } catch (e) {
    throw new LinkdestError(`cannot extend it: ${(e as Error).message}`, { step: 'init' });
  }
  let connected: Connected | undefined;
  let wrote = false;
  try {
    ask.say(before === undefined ? `Setting up ${o.inventory} (new).` : `Adding a host to ${o.inventory}.`);
    const { address, name, existing } = await askHost(ask, view.hosts, view);
    const ssh = obj(existing?.ssh);
    const user = (await ask.input({ id: 'user', message: 'SSH user (root, or a user with passwordless sudo):', default: str(ssh.user) ?? 'root' })).trim();
    const port = Number(await ask.input({
      id: 'port', message: 'SSH port:', default: String(ssh.port ?? 22),
      validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535) || 'expected a port 1-65535',
    }));
    const identity = (await ask.input({ id: 'identity', message: 'Private key file (empty: ssh-agent and ~/.ssh/id_*):', default: str(ssh.identity) ?? '' })).trim();
    const jumpText = (await ask.input({
      id: 'jump', message: 'Jump host (bastion) to go through, [user@]host[:port], several comma-separated (empty: direct):',
      default: Array.isArray(ssh.jump) ? ssh.jump.map(String).join(',') : str(ssh.jump) ?? '',
      validate: (v) => splitJumpList(v).map(parseJumpSpec).find((p): p is string => typeof p === 'string') ?? true,
    })).trim();
    const jump = splitJumpList(jumpText);
    const knownRel = str(ssh.known_hosts) ?? './known_hosts';
    const knownAbs = expandPath(knownRel, dir, home);
    const spec = connectionSpec(name, {
      host: address, port, user, known_hosts: knownAbs, ...(jump.length > 0 && { jump }),
      ...(identity && { identity: isAbsolute(identity) || identity.startsWith('~') ? expandPath(identity, dir, home) : resolve(identity) }),
    });
    ask.say(`Connecting to ${user}@${address}:${port}${jump.length > 0 ? ` through ${jump.join(', ')}` : ''}...`);
    connected = await d.connect(spec, ask, o.connect ?? {});
    const probe = d.probe(connected.transport);
    const facts = await probe.facts();
    const mount = entryMount(existing?.mount, view.defaults.mount, facts);
    ask.say(`Found on ${name}:\n  ${[...factsSummary(facts), mount.line].join('\n  ')}`);

    const secrets: { file: string; content: string }[] = [];
    const marker = o.marker ?? '.linkdest-backup';
    const target = await askTarget({
      ask, probe, discover: d.discover(connected.transport), host: name, inventoryDir: dir, mountpoint: o.mountpoint, marker, secrets,
      ...(existing?.disk !== undefined && { existing: obj(existing.disk) }),
    });
    const sources = await askSources(ask, probe, {
      ...(o.sources && { given: o.sources }),
      ...(Array.isArray(existing?.sources) && { existing: existing.sources.map((s) => str(s) ?? str(obj(s).path)).filter((s): s is string => s !== undefined) }),
    });
    const oldVms = existing?.vms;
    const vmsObject = obj(oldVms);
    const vmUri = str(vmsObject.uri) ?? str(obj(view.defaults.vms).uri);
    const vms = await askVms(ask, probe, (Array.isArray(oldVms) ? oldVms : Array.isArray(vmsObject.domains) ? vmsObject.domains as unknown[] : []).map(String), vmUri);
    const schedule = await askSchedule(ask, str(existing?.schedule) ?? str(view.defaults.schedule));
    const retention = await askRetention(ask, { ...DEFAULT_RETENTION, ...obj(view.defaults.retention), ...obj(existing?.retention) } as RetentionAnswers);
    const report = await askReport({ ask, host: name, inventoryDir: dir, secrets, send: d.sendMail, existing: obj(existing?.report) });

    const answers: WizardAnswers = {
      name, ssh: { host: address, port, user, ...(identity && { identity }), ...(jump.length > 0 && { jump }), known_hosts: knownRel },
      target, mountpoint: o.mountpoint, ...(mount.mount !== undefined && { mount: mount.mount }), sources, vms, schedule, retention, ...report,
    };
    const fragment = hostFragment(answers, obj(view.defaults));
    // `vms: {uri, domains, shutdown_timeout}` keeps its other keys; only the domains were asked.
    if (!Array.isArray(oldVms) && Object.keys(vmsObject).length > 0) fragment.vms = { ...vmsObject, domains: vms };
    const text = upsertHost(before, name, fragment, o.inventory);
    let inventory;
    try {
      inventory = parseInventory(text, o.inventory, { dir, home });
    } catch (e) {
      if (e instanceof InventoryError) throw new LinkdestError(`the new entry does not validate: ${e.message.split('\n')[0]}`, { host: name, step: 'init' });
      throw e;
    }
    ask.say(`\nThe entry for ${name}:\n${text.slice(text.indexOf(`  ${name}:`)).split('\n').filter((l, i) => i === 0 || l.startsWith('    ')).join('\n')}`);
    if (!(await ask.confirm({ id: 'write', message: `Write ${o.inventory}${secrets.length > 0 ? ' and the secret files' : ''}?`, default: true }))) {
      ask.say('Nothing was written.');
      return EXIT.error;
    }
    await commitWrites({
      inventory: { file, text }, secrets,
      ...(connected.trusted && { knownHosts: { file: knownAbs, keys: [connected.trusted] } }),
    });
    wrote = true;
    ask.say(`Wrote ${o.inventory}${connected.trusted ? ` and ${join(dirname(o.inventory), knownRel)}` : ''}.`);
    const hostSpec = inventory.hosts.find((h) => h.name === name)!;
    const formatConfirm = target.kind === 'usb' ? target.formatConfirm : undefined;
    const done = await planApplyAndRun(ask, d.out, d.converger, hostSpec, connected.transport, formatConfirm);
    return done.backup === false ? EXIT.error : EXIT.ok;
  } catch (e) {
    if (isPromptExit(e)) {
      ask.say(wrote ? `\ninit cancelled; ${o.inventory} is written, the rest can be done with \`linkdest apply\`.`
        : '\ninit cancelled; nothing was written and the host was not changed.');
      return EXIT.error;
    }
    throw e;
  } finally {
    await connected?.close();
  }
}
