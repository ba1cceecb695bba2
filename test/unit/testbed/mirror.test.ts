import { describe, expect, test } from 'vitest';
import { mirrorFromSources } from '../../testbed/mirror.ts';

const deb822 = `Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

describe('mirror from APT sources', () => {
  test.each([
    ['deb822 stanza', deb822, 'http://deb.debian.org/debian'],
    ['one-line entry', 'deb http://ftp.de.debian.org/debian bookworm main\n', 'http://ftp.de.debian.org/debian'],
    ['one-line with options', 'deb [arch=amd64] http://m.example/debian bookworm main\n', 'http://m.example/debian'],
    ['only security suite', 'deb http://deb.debian.org/debian-security bookworm-security main\n', undefined],
    ['disabled stanza', 'Enabled: no\nTypes: deb\nURIs: http://x/debian\nSuites: bookworm\n', undefined],
    ['deb-src only', 'Types: deb-src\nURIs: http://x/debian\nSuites: bookworm\n', undefined],
  ])('%s', (_name, text, expected) => {
    expect(mirrorFromSources(text, 'bookworm')).toBe(expected);
  });
});
