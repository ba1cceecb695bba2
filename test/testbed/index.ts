/** The test bed every integration test uses: real hosts, disks and a mail server. */
export { ensureImage, imageKey, imageCacheRoot } from './image.ts';
export { startHosts, type StartOptions, type Testbed } from './testbed.ts';
export { machineHasAutofs, autofsUnavailable } from './autofs.ts';
export { TestHost, type TestHostSsh } from './host.ts';
export type { TestDisk } from './disks.ts';
export type { HostInit } from './container.ts';
export { startSmtp, type SmtpServer, type ReceivedMail } from './smtp.ts';
export { SMTP_CLIENT_SCRIPT } from './smtp-client-script.ts';
export { reapDeadTestbeds } from './cleanup.ts';
export type { RunResult } from './run.ts';
