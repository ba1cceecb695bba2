/**
 * A minimal SMTP client as a script for `node -e` inside a host (Node 18, no packages):
 * argv gateway, port, sender host name. Exits non-zero on any 4xx/5xx reply.
 */
export const SMTP_CLIENT_SCRIPT = `
const net = require('net');
const [gw, port, me] = process.argv.slice(1);
const steps = ['EHLO ' + me, 'MAIL FROM:<root@' + me + '>', 'RCPT TO:<admin@test.invalid>', 'DATA',
  'Subject: from ' + me + '\\r\\n\\r\\nsent by node inside the host\\r\\n.', 'QUIT'];
const s = net.connect(Number(port), gw);
let buf = '';
let i = 0;
s.on('data', (d) => {
  buf += d;
  const lines = buf.split('\\r\\n');
  buf = lines.pop();
  for (const l of lines) {
    if (!/^\\d{3} /.test(l)) continue;
    if (l[0] === '4' || l[0] === '5') { console.error(l); process.exit(1); }
    if (i < steps.length) s.write(steps[i++] + '\\r\\n'); else s.end();
  }
});
s.on('error', (e) => { console.error(String(e)); process.exit(1); });
`;
