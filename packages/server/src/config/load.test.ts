import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAppError } from '../kernel/index.js';
import { loadConfig } from './load.js';

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;
const tmp = mkdtempSync(join(tmpdir(), 'vigil-config-'));
function file(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

test('ok/defaults: SQLite in ./vigil-data, 8443/8883 on loopback, TLS 1.2 minimum', () => {
  const { config, warnings } = loadConfig({ env: {} });
  assert.equal(config.dataDir, './vigil-data');
  assert.equal(config.httpPort, 8443);
  assert.equal(config.mqttPort, 8883);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.tls.minVersion, 'TLSv1.2');
  assert.equal(config.audit.checkpointEvery, 1000);
  assert.deepEqual(warnings, []);
});

test('ok/precedence: flags over environment over file over defaults', () => {
  const path = file('precedence.json', JSON.stringify({ httpPort: 1001, mqttPort: 1002, host: '::1', audit: { checkpointEvery: 7 } }));
  const { config } = loadConfig({ file: path, env: { VIGIL_HTTP_PORT: '2001', VIGIL_MQTT_PORT: '2002' }, flags: { httpPort: 3001 } });
  assert.equal(config.httpPort, 3001);
  assert.equal(config.mqttPort, 2002);
  assert.equal(config.host, '::1');
  assert.equal(config.audit.checkpointEvery, 7);
  assert.equal(config.audit.checkpointIntervalSeconds, 60, 'nested defaults still fill in');
});

test('ok/VIGIL_TEST_* and VIGIL_MASTER_KEY are not configuration keys', () => {
  const { config } = loadConfig({ env: { VIGIL_TEST_DATABASE_URL: 'postgres://x', VIGIL_MASTER_KEY: 'secret', VIGIL_TLS_HOSTNAMES: 'a.example, b.example' } });
  assert.deepEqual(config.tls.hostnames, ['a.example', 'b.example']);
  assert.equal(JSON.stringify(config).includes('secret'), false);
});

const refused: Array<[string, () => unknown, string, RegExp]> = [
  ['unknown key in the file', () => loadConfig({ env: {}, file: file('unknown.json', '{"httpPortt": 1}') }), 'CONFIG_INVALID', /httpPortt/],
  ['unknown nested key', () => loadConfig({ env: {}, file: file('nested.json', '{"audit": {"everyN": 1}}') }), 'CONFIG_INVALID', /audit/],
  ['unknown VIGIL_ variable', () => loadConfig({ env: { VIGIL_HTTP_PROT: '1' } }), 'CONFIG_INVALID', /VIGIL_HTTP_PROT/],
  ['port out of range', () => loadConfig({ env: { VIGIL_HTTP_PORT: '70000' } }), 'CONFIG_INVALID', /httpPort/],
  ['non-integer port', () => loadConfig({ env: { VIGIL_HTTP_PORT: '84a' } }), 'CONFIG_INVALID', /integer/],
  ['malformed JSON file', () => loadConfig({ env: {}, file: file('bad.json', '{nope') }), 'CONFIG_INVALID', /not valid JSON/],
  ['missing file', () => loadConfig({ env: {}, file: join(tmp, 'absent.json') }), 'CONFIG_INVALID', /cannot read/],
  ['prototype pollution key', () => loadConfig({ env: {}, file: file('proto.json', '{"__proto__": {"x": 1}}') }), 'CONFIG_INVALID', /__proto__/],
  ['TLS 1.0 minimum', () => loadConfig({ env: { VIGIL_TLS_MIN_VERSION: 'TLSv1' } }), 'CONFIG_INSECURE', /TLSv1/],
  ['a master key in the file', () => loadConfig({ env: {}, file: file('mk.json', '{"masterKey": "x"}') }), 'CONFIG_INSECURE', /masterKey/],
  ['plaintext remote database', () => loadConfig({ env: { VIGIL_DATABASE_URL: 'postgres://u@db.example:5432/vigil' } }), 'CONFIG_INSECURE', /sslmode/],
  ['a non-postgres database URL', () => loadConfig({ env: { VIGIL_DATABASE_URL: 'mysql://x' } }), 'CONFIG_INVALID', /databaseUrl/],
  ['cert without key', () => loadConfig({ env: { VIGIL_TLS_CERT_FILE: '/x.pem' } }), 'CONFIG_INVALID', /together/],
];
for (const [name, fn, expected, message] of refused) {
  test(`fail/${name} refuses with a one-line reason`, () => {
    assert.throws(fn, (e: unknown) => code(expected)(e) && isAppError(e) && message.test(e.detail ?? '') && !(e.detail ?? '').includes('\n'));
  });
}

test('ok/an insecure value is allowed only with its explicit flag, and warns', () => {
  const { warnings } = loadConfig({
    env: { VIGIL_DATABASE_URL: 'postgres://u@db.example:5432/vigil', VIGIL_INSECURE_ALLOW_PLAINTEXT_DATABASE: 'true' },
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /WARNING/);
  const ok = loadConfig({ env: { VIGIL_DATABASE_URL: 'postgres://u@db.example:5432/vigil?sslmode=verify-full' } });
  assert.deepEqual(ok.warnings, []);
  const loopback = loadConfig({ env: { VIGIL_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' } });
  assert.deepEqual(loopback.warnings, []);
});
