import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostname, sameNames, serverNames } from './subject-alt-names.js';

describe('server names', () => {
  const ok: ReadonlyArray<[string, string, string, string]> = [
    ['ok/dns', 'vigil.example.org', 'dns', 'vigil.example.org'],
    ['ok/dns-upper-case', 'Vigil.Example.ORG', 'dns', 'vigil.example.org'],
    ['ok/dns-trailing-dot', 'vigil.example.org.', 'dns', 'vigil.example.org'],
    ['ok/dns-single-label', 'vigil-gw-01', 'dns', 'vigil-gw-01'],
    ['ok/ipv4', '10.0.0.7', 'ip', '10.0.0.7'],
    ['ok/ipv6-expanded', '2001:0db8:0000:0000:0000:0000:0000:0001', 'ip', '2001:db8::1'],
    ['ok/ipv6-bracketed', '[2001:DB8::1]', 'ip', '2001:db8::1'],
  ];
  for (const [name, raw, type, value] of ok) {
    it(name, () => assert.deepEqual(parseHostname(raw), { type, value }));
  }

  const fail: ReadonlyArray<[string, string]> = [
    ['fail/empty', ''],
    ['fail/wildcard', '*.example.org'],
    ['fail/underscore', 'bad_name.example.org'],
    ['fail/leading-hyphen', '-bad.example.org'],
    ['fail/empty-label', 'bad..example.org'],
    ['fail/long-label', `${'a'.repeat(64)}.example.org`],
    ['fail/url', 'https://vigil.example.org'],
    ['fail/with-port', 'vigil.example.org:8443'],
    ['fail/ipv6-zone', 'fe80::1%eth0'],
    ['fail/bracketed-dns', '[vigil.example.org]'],
  ];
  for (const [name, raw] of fail) {
    it(name, () => assert.throws(() => parseHostname(raw), { code: 'CONFIG_INVALID' }));
  }

  it('ok/defaults-first-and-deduplicated', () => {
    assert.deepEqual(serverNames(['LOCALHOST', '0:0:0:0:0:0:0:1', 'vigil.example.org', 'vigil.example.org.']), [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'dns', value: 'vigil.example.org' },
    ]);
  });

  it('ok/same-names-ignores-order', () => {
    assert.equal(sameNames(serverNames(['a.example', 'b.example']), serverNames(['b.example', 'a.example'])), true);
    assert.equal(sameNames(serverNames(['a.example']), serverNames(['a.example', 'b.example'])), false);
  });
});
