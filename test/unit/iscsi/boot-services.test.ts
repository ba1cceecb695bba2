/**
 * iscsid at boot without systemd: facts -> the exact commands (SysV init as Debian/Devuan
 * install open-iscsi: K01 links in rcS.d; OpenRC as Gentoo/Alpine ship it). OpenRC cannot
 * boot on this machine's test bed (no OpenRC image), so its planning is proven here only;
 * SysV runs for real in test/integration/iscsi/sysv-boot.test.ts.
 */
import { describe, expect, test } from 'vitest';
import type { IscsiFacts, SysvScript } from '../../../provision/iscsi/facts.ts';
import { bootInitOf, nonSystemdBootDecision, shellValue, sysvState } from '../../../provision/iscsi/boot-services.ts';

const ISCSIADM = { iscsiadm: '/usr/sbin/iscsiadm' };
const SYSV = { 'update-rc.d': '/usr/sbin/update-rc.d' };
const OPENRC = { 'rc-update': '/sbin/rc-update', 'rc-service': '/sbin/rc-service' };
const script = (...links: string[]): SysvScript => ({ present: true, links });
const debianDisabled = { iscsid: script('rc0.d/K01iscsid', 'rc1.d/K01iscsid', 'rc6.d/K01iscsid', 'rcS.d/K01iscsid'), 'open-iscsi': script('rc0.d/K01open-iscsi', 'rcS.d/K01open-iscsi') };
const debianEnabled = { iscsid: script('rc0.d/K01iscsid', 'rcS.d/S01iscsid'), 'open-iscsi': script('rc0.d/K01open-iscsi', 'rcS.d/S02open-iscsi') };

const facts = (over: Partial<IscsiFacts>): IscsiFacts => ({ hostname: 'h', commands: {}, units: {}, records: [], settings: {}, sessions: [], byPath: [], ...over });
const decide = (over: Partial<IscsiFacts>) => {
  const d = nonSystemdBootDecision(facts(over));
  if (d.kind === 'steps') return d.steps.map((s) => [s.summary, s.argv.map((a) => a.join(' '))]);
  return d.kind === 'error' ? `error: ${d.message}` : `after install (${d.init}): ${d.summary}`;
};

const START_SYSV = ['start iscsid (/etc/init.d/iscsid start)', ['/etc/init.d/iscsid start']];
const START_OPENRC = ['start iscsid (rc-service iscsid start; with AUTOSTARTTARGETS=yes it also logs in to every node record with node.startup=automatic)', ['rc-service iscsid start']];
const ADD_OPENRC = ['add iscsid to the default runlevel (rc-update add iscsid default)', ['rc-update add iscsid default']];

describe('nonSystemdBootDecision', () => {
  test.each<[string, Partial<IscsiFacts>, unknown]>([
    ['SysV, as Debian installs open-iscsi (K01 links in rcS.d), iscsid stopped: enable both, start iscsid only',
      { commands: { ...ISCSIADM, ...SYSV }, sysvScripts: debianDisabled, iscsidRunning: false },
      [['enable iscsid and open-iscsi at boot (update-rc.d)', ['update-rc.d iscsid enable', 'update-rc.d open-iscsi enable']], START_SYSV]],
    ['SysV enabled, iscsid stopped: only the start',
      { commands: { ...ISCSIADM, ...SYSV }, sysvScripts: debianEnabled, iscsidRunning: false }, [START_SYSV]],
    ['SysV enabled and iscsid running: converged',
      { commands: { ...ISCSIADM, ...SYSV }, sysvScripts: debianEnabled, iscsidRunning: true }, []],
    ['SysV, open-iscsi links removed (update-rc.d remove): defaults creates them, enable would fail',
      { commands: { ...ISCSIADM, ...SYSV }, sysvScripts: { iscsid: script(), 'open-iscsi': script('rcS.d/K01open-iscsi') }, iscsidRunning: true },
      [['enable iscsid and open-iscsi at boot (update-rc.d)', ['update-rc.d iscsid defaults', 'update-rc.d open-iscsi enable']]]],
    ['SysV, only a stop link in rc0.d does not count as enabled',
      { commands: { ...ISCSIADM, ...SYSV }, sysvScripts: { ...debianEnabled, 'open-iscsi': script('rc0.d/K01open-iscsi') }, iscsidRunning: true },
      [['enable open-iscsi at boot (update-rc.d)', ['update-rc.d open-iscsi defaults']]]],
    ['SysV, open-iscsi not installed yet: decided on the host after the install',
      { commands: { ...SYSV } }, 'after install (sysv): enable iscsid and open-iscsi at boot (update-rc.d) and start iscsid once open-iscsi is installed'],
    ['SysV, iscsiadm there but no init script',
      { commands: { ...ISCSIADM, ...SYSV }, sysvScripts: { iscsid: { present: false, links: [] }, 'open-iscsi': script() } },
      'error: open-iscsi is installed but /etc/init.d/iscsid is missing: reinstall open-iscsi'],
    ['OpenRC, iscsid in no runlevel and stopped: add to default, start (which logs in to automatic records)',
      { commands: { ...ISCSIADM, ...OPENRC }, sysvScripts: { iscsid: script() }, openrcRunlevels: [], openrcAutostart: '"yes"', iscsidRunning: false },
      [ADD_OPENRC, START_OPENRC]],
    ['OpenRC, iscsid in the boot runlevel and running: converged',
      { commands: { ...ISCSIADM, ...OPENRC }, sysvScripts: { iscsid: script() }, openrcRunlevels: ['boot'], openrcAutostart: 'yes', iscsidRunning: true }, []],
    ['OpenRC, added but stopped: only the start',
      { commands: { ...ISCSIADM, ...OPENRC }, sysvScripts: { iscsid: script() }, openrcRunlevels: ['default'], openrcAutostart: 'yes', iscsidRunning: false }, [START_OPENRC]],
    ['OpenRC, iscsid only in the shutdown runlevel: not started at boot',
      { commands: { ...ISCSIADM, ...OPENRC }, sysvScripts: { iscsid: script() }, openrcRunlevels: ['shutdown'], openrcAutostart: 'yes', iscsidRunning: true }, [ADD_OPENRC]],
    ['OpenRC, AUTOSTARTTARGETS=no: the boot would not log in, so say what to set',
      { commands: { ...ISCSIADM, ...OPENRC }, sysvScripts: { iscsid: script() }, openrcRunlevels: ['default'], openrcAutostart: '"no"', iscsidRunning: true },
      'error: /etc/conf.d/iscsid sets AUTOSTARTTARGETS=no: iscsid would not log in at boot; set AUTOSTARTTARGETS="yes" there'],
    ['OpenRC, AUTOSTARTTARGETS unset',
      { commands: { ...ISCSIADM, ...OPENRC }, sysvScripts: { iscsid: script() }, openrcRunlevels: [], iscsidRunning: false },
      'error: /etc/conf.d/iscsid does not set AUTOSTARTTARGETS: iscsid would not log in at boot; set AUTOSTARTTARGETS="yes" there'],
    ['OpenRC, open-iscsi not installed yet',
      { commands: { ...OPENRC } }, 'after install (openrc): add iscsid to the default runlevel (rc-update) and start it once open-iscsi is installed'],
    ['neither systemd, update-rc.d nor OpenRC: one line saying what to do',
      { commands: { ...ISCSIADM } },
      'error: this host runs neither systemd, nor SysV init with update-rc.d, nor OpenRC (rc-update, rc-service): make iscsid start at boot and log in to automatic node records (iscsiadm -m node --loginall=automatic) yourself'],
  ])('%s', (_name, over, want) => {
    expect(decide(over)).toEqual(want);
  });
});

describe('bootInitOf', () => {
  test.each<[string, Partial<IscsiFacts>, string | undefined]>([
    ['update-rc.d only: SysV', { commands: SYSV }, 'sysv'],
    ['rc-update and rc-service only: OpenRC', { commands: OPENRC }, 'openrc'],
    ['Devuan with OpenRC installed but SysV init running: SysV', { commands: { ...SYSV, ...OPENRC }, openrcRunning: false }, 'sysv'],
    ['Devuan with OpenRC running (/run/openrc): OpenRC', { commands: { ...SYSV, ...OPENRC }, openrcRunning: true }, 'openrc'],
    ['rc-update without rc-service: not OpenRC', { commands: { 'rc-update': '/sbin/rc-update' } }, undefined],
  ])('%s', (_name, over, want) => {
    expect(bootInitOf(facts(over))).toBe(want);
  });
});

describe('small parsers', () => {
  test.each([
    [['rcS.d/S01iscsid'], 'enabled'], [['rc2.d/S03iscsid', 'rcS.d/K01iscsid'], 'enabled'], [['rcS.d/K01iscsid', 'rc0.d/K01iscsid'], 'disabled'],
    [['rc0.d/K01iscsid', 'rc6.d/K01iscsid', 'rc1.d/S01iscsid'], 'none'], [[], 'none'],
  ])('links %j: %s', (links, want) => {
    expect(sysvState({ present: true, links })).toBe(want);
  });

  test.each([['"yes"', 'yes'], ["'yes'", 'yes'], ['yes # log in at start', 'yes'], ['"no"  ', 'no'], ['', '']])('AUTOSTARTTARGETS=%s -> %s', (raw, want) => {
    expect(shellValue(raw)).toBe(want);
  });
});
