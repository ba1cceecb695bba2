/** Tables for the pieces of the Ansible inventory reader: ranges, literals, words, INI sections, format detection. */
import { describe, expect, test } from 'vitest';
import { expandRanges, parseHostPattern } from '../../../inventory/ansible/host-pattern.ts';
import { parseIniInventory } from '../../../inventory/ansible/ini.ts';
import { pythonLiteral, shlexSplit } from '../../../inventory/ansible/python-literal.ts';
import { proxyCommandJump, ansibleBoolean } from '../../../inventory/ansible/connection.ts';
import { reconcile } from '../../../inventory/ansible/model.ts';
import { isAnsibleInventory } from '../../../inventory/load.ts';

describe('host ranges', () => {
  test.each([
    ['backup[01:03].example.net', ['backup01.example.net', 'backup02.example.net', 'backup03.example.net']],
    ['h[1:3]', ['h1', 'h2', 'h3']],
    ['h[8:11]', ['h8', 'h9', 'h10', 'h11']],
    ['h[:2]', ['h0', 'h1', 'h2']],
    ['h[0:6:3]', ['h0', 'h3', 'h6']],
    ['h[01:10:4]', ['h01', 'h05', 'h09']],
    ['db-[a:c]', ['db-a', 'db-b', 'db-c']],
    ['x[y:B]', ['xy', 'xz', 'xA', 'xB']],
    ['x[a:e:2]', ['xa', 'xc', 'xe']],
    ['r[1:2]c[a:b]', ['r1ca', 'r1cb', 'r2ca', 'r2cb']],
    ['plain.example.net', ['plain.example.net']],
    ['odd[name]', ['odd[name]']],
  ])('%s', (pattern, hosts) => {
    expect(expandRanges(pattern)).toEqual(hosts);
  });

  test.each([
    ['h[1:]', 'a host range needs an end, e.g. [01:20]'],
    ['h[01:100]', 'host range [01:100]: a zero-padded start and the end must have the same length'],
    ['h[c:a]', 'host range [c:a]: the start comes after the end'],
    ['h[1:2:3:4]', 'a host range is [begin:end] or [begin:end:step]'],
    ['h[1:5:0]', 'host range step "0" is not a whole number >= 1'],
    ['h[1:b]', 'host range [1:b]: expected numbers (01:20) or letters (a:f)'],
    ['h[1:9999999]', 'host range [1:9999999] has more than 100000 hosts'],
  ])('%s is refused', (pattern, reason) => {
    expect(expandRanges(pattern)).toBe(reason);
  });

  test.each([
    ['web1:2222', { hosts: ['web1'], port: 2222 }],
    ['web[1:2]:22', { hosts: ['web1', 'web2'], port: 22 }],
    ['192.0.2.7:2200', { hosts: ['192.0.2.7'], port: 2200 }],
    ['[2001:db8::7]:2200', { hosts: ['2001:db8::7'], port: 2200 }],
    ['fe80::1', { hosts: ['fe80::1'] }],
    ['web1', { hosts: ['web1'] }],
  ])('pattern %s', (text, expected) => {
    expect(parseHostPattern(text)).toEqual(expected);
  });
});

describe('values are Python literals where they are one (ast.literal_eval)', () => {
  test.each<[string, unknown]>([
    ['2222', 2222], ['-5', -5], ['0x10', 16], ['1_000', 1000], ['1.5', 1.5], ['0', 0],
    ['0777', '0777'], ['007', '007'], ['True', true], ['False', false], ['None', null],
    ['true', 'true'], ['yes', 'yes'], ['FALSE', 'FALSE'],
    ["'quoted'", 'quoted'], ['"dq"', 'dq'], ["'a' 'b'", 'ab'], [String.raw`'it\'s'`, "it's"],
    ['[1, 2]', [1, 2]], ['(1, 2)', [1, 2]], ['[]', []], ["{'a': 1, 'b': [True]}", { a: 1, b: [true] }],
    ['"x y" # comment', 'x y'], ['two words', 'two words'], ['spaced value # c', 'spaced value # c'],
    ['/srv/backup', '/srv/backup'], ['{unclosed', '{unclosed'], ['', ''],
  ])('%j', (text, value) => {
    expect(pythonLiteral(text)).toEqual(value);
  });
});

describe('host lines are split like shlex.split(comments=True)', () => {
  test.each<[string, string[] | { error: string }]>([
    ['h1 a=1 b=2', ['h1', 'a=1', 'b=2']],
    ['h1 a="two words"', ['h1', 'a=two words']],
    [`h1 a="'007'"`, ['h1', "a='007'"]],
    [String.raw`h1 a=x\ y`, ['h1', 'a=x y']],
    ['h1 a=1 # comment b=2', ['h1', 'a=1']],
    ['h1 a=x#y', ['h1', 'a=x']],
    ['h1 a="x#y"', ['h1', 'a=x#y']],
    ['h1 a="open', { error: 'no closing quotation' }],
  ])('%s', (line, words) => {
    expect(shlexSplit(line)).toEqual(words);
  });
});

describe('INI sections', () => {
  const ini = (text: string) => {
    const r = parseIniInventory(text, 'hosts');
    reconcile(r.inventory);
    const groups = Object.fromEntries([...r.inventory.groups].map(([n, g]) => [n, { hosts: g.hosts, children: g.children }]));
    return { groups, problems: r.problems, hosts: r.inventory.hosts };
  };

  test('hosts before any section are ungrouped; children may come before their section', () => {
    const r = ini('loose\n[prod:children]\nweb\n[web]\nw[1:2]\n[db]\nloose\n');
    expect(r.problems).toEqual([]);
    expect(r.groups).toEqual({
      all: { hosts: [], children: ['ungrouped', 'prod', 'db'] },
      ungrouped: { hosts: [], children: [] },
      prod: { hosts: [], children: ['web'] },
      web: { hosts: ['w1', 'w2'], children: [] },
      db: { hosts: ['loose'], children: [] },
    });
  });

  test('a port in the pattern is kept only where the host is first written', () => {
    const r = ini('[a]\nh:2200 x=1\n[b]\nh:2222 x=2\n');
    expect(Object.fromEntries([...r.hosts.get('h')!.vars].map(([k, v]) => [k, v.value]))).toEqual({ ansible_port: 2200, x: 2 });
  });

  test.each([
    ['[a:vars]\nx=1\n', ['hosts:1 [a:vars]: group "a" is not declared (add a [a] or [a:children] section)']],
    ['[a:children]\nb\n', ['hosts:2 [a:children] names group "b", which has no [b] section']],
    ['[a:weird]\nh\n', ['hosts:1 section [a:weird]: unknown kind "weird" (expected [a], [a:children] or [a:vars])']],
    ['[a b]\n', ['hosts:1 invalid section "[a b]": no spaces, and [NAME], [NAME:children] or [NAME:vars]']],
    ['[a]\nh k\n', ['hosts:2 expected key=value after the host name, got "k"']],
    ['[a]\nh[1:]\n', ['hosts:2 a host range needs an end, e.g. [01:20]']],
    ['[a]\nh k="x\n', ['hosts:2 host line: no closing quotation']],
    ['[a]\nh\n[a:vars]\nnovalue\n', ['hosts:4 expected key=value in [a:vars], got "novalue"']],
    ['[a]\nh\n[a:children]\na\n', ['hosts:4 group "a" cannot be inside itself']],
    ['[a]\n[a:vars]\nansible_group_priority=high\n', ['hosts:3 ansible_group_priority: expected a whole number, got "high"']],
  ])('%j is refused at its line', (text, problems) => {
    expect(ini(text).problems).toEqual(problems);
  });
});

describe('connection details', () => {
  test.each<[unknown, boolean | undefined]>([
    [true, true], ['yes', true], ['True', true], ['on', true], [1, true], ['1', true],
    [false, false], ['no', false], ['off', false], [0, false], ['maybe', undefined], [2, undefined],
  ])('ansible_become=%j', (v, b) => {
    expect(ansibleBoolean(v)).toBe(b);
  });

  test.each([
    ['ssh -W %h:%p -q admin@bastion', 'admin@bastion'],
    ['ssh -W %h:%p -p 2222 -l admin bastion.example.net', 'admin@bastion.example.net:2222'],
    ['/usr/bin/ssh -q -W %h:%p bastion', 'bastion'],
    ['nc %h %p', { reason: 'only "ssh -W %h:%p [user@]host" is understood; use ProxyJump' }],
    ['ssh -W %h:%p -o StrictHostKeyChecking=no bastion', { reason: '"-o" inside ProxyCommand is not understood; use ProxyJump' }],
  ])('ProxyCommand %s', (cmd, jump) => {
    expect(proxyCommandJump(cmd)).toEqual(jump);
  });
});

describe('the format is decided by content', () => {
  test.each([
    ['[web]\nh1\n', true],
    ['# comment\nh1\nh2 ansible_port=22\n', true],
    ['h1:2222\n', true],
    ['all:\n  hosts:\n    h1:\n', true],
    ['web:\n  hosts: {h1: ~}\nnas:\n  children: {web: ~}\n', true],
    ['{"all": {"hosts": {"h1": null}}}', true],
    ['- a\n- b\n', false],
    ['[a, b]\n', false],
    ['[::1]:22\n', true],
    ['hosts:\n  marte: {sources: [/Apps]}\n', false],
    ['defaults: {}\ngroups: {}\nhosts: {}\n', false],
    ['x-usb: &usb {}\nhosts:\n  a: {}\n', false],
    ['hosts:\n  marte: {sources: [/Apps]}\ntypo: 1\n', false],
    ['', false],
  ])('%j -> ansible: %s', (text, ansible) => {
    expect(isAnsibleInventory(text)).toBe(ansible);
  });
});
