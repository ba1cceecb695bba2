/** A complete HostSpec for tests, the way inventory/load.ts would produce it after defaults. */
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { runtimeConfigSchema } from '../../../runtime/config.ts';

export function makeSpec(overrides: Partial<HostSpec> = {}): HostSpec {
  const { destination: _d, ...runtime } = runtimeConfigSchema.parse({
    destination: { path: '/mnt/Backup' },
    sources: [{ path: '/Apps' }],
  });
  return {
    name: 'gentoo',
    groups: ['servers'],
    connection: 'ssh',
    ssh: { host: '127.0.0.2' },
    become: false,
    install_packages: false,
    disk: { target: { kind: 'usb', device: '/dev/disk/by-id/usb-WD_Elements_1234-0:0' }, filesystem: 'ext4', label: 'linkdest' },
    mountpoint: '/mnt/Backup',
    mount: 'automount',
    marker: '.linkdest-backup',
    schedule: '*-*-* 02:30:00',
    runtime,
    origin: 'linkdest.yml:3:3',
    ...overrides,
  };
}
