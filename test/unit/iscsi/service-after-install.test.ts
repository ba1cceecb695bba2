/**
 * open-iscsi installed within the same apply (the plan could not know its units): apply asks
 * the host once more, through the same iSCSI fact gather as the plan, and enables what is
 * there. The host answers as systemd does after the install: iscsid.socket disabled and
 * inactive, open-iscsi.service disabled.
 */
import { describe, expect, test } from 'vitest';
import { IscsiServiceResource } from '../../../provision/resources/iscsi-service.ts';
import { applyContext, ScriptedTransport } from '../../support/scripted-transport.ts';
import { makeFacts } from '../provision/make-facts.ts';

const T = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';

/** Answers the gather script (argv[3] is its $0, argv[4] the nonce) with these units. */
const afterInstall = (units: Record<string, [string, string, string]>) => new ScriptedTransport((argv) => {
  if (argv[3] !== 'linkdest-iscsi-facts') return undefined;
  const sec = (s: string) => `\n@@${argv[4]} ${s}\n`;
  const sections = Object.entries(units).map(([u, [load, file, active]]) => `${sec(`unit ${u}`)}LoadState=${load}\nUnitFileState=${file}\nActiveState=${active}`).join('');
  return { stdout: `${sec('commands')}iscsiadm /usr/sbin/iscsiadm\nsystemctl /usr/bin/systemctl${sections}${sec('end')}` };
});

describe('iSCSI service after open-iscsi was installed in this apply', () => {
  const resource = new IscsiServiceResource({ host: 'marte', install: true, disk: { kind: 'iscsi', portals: [{ address: '10.0.0.5', port: 3260 }], target: T, lun: 1 } });
  const blank = { hostname: 'marte', commands: { systemctl: '/usr/bin/systemctl' }, units: {}, records: [], settings: {}, sessions: [], byPath: [] };

  test('the plan defers; apply reads the units the install brought and enables them', async () => {
    const changes = resource.check({ ...makeFacts(), iscsi: blank });
    expect(changes.map((c) => c.summary)).toEqual(['enable iscsid and the boot login service once open-iscsi is installed']);
    const t = afterInstall({
      'iscsid.socket': ['loaded', 'disabled', 'inactive'], 'iscsid.service': ['loaded', 'indirect', 'inactive'],
      'open-iscsi.service': ['loaded', 'disabled', 'inactive'], 'iscsi.service': ['not-found', '', 'inactive'],
    });
    await resource.apply(changes, applyContext(t));
    expect(t.mutations()).toEqual([
      'systemctl enable --now -- iscsid.socket', 'systemctl enable -- open-iscsi.service',
    ]);
  });

  test('no iscsid unit even after the install: one line saying so', async () => {
    const t = afterInstall({ 'iscsid.socket': ['not-found', '', 'inactive'], 'iscsid.service': ['not-found', '', 'inactive'] });
    await expect(resource.apply(resource.check({ ...makeFacts(), iscsi: blank }), applyContext(t)))
      .rejects.toThrow('open-iscsi was installed but neither iscsid.socket nor iscsid.service exists');
  });
});
