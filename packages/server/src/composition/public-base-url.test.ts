import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validate } from '../config/index.js';
import { defaultPublicBaseUrl } from './public-base-url.js';

test('ok/public base URL: configured, else the listener host and port', () => {
  assert.equal(defaultPublicBaseUrl(validate({ http: { publicBaseUrl: 'https://vigil.example.org/' } }).config, 8443), 'https://vigil.example.org');
  assert.equal(defaultPublicBaseUrl(validate({ http: { publicBaseUrl: 'https://[2001:db8::1]:9443/vigil' } }).config, 1), 'https://[2001:db8::1]:9443/vigil');
  assert.equal(defaultPublicBaseUrl(validate({ host: '127.0.0.1' }).config, 40001), 'https://127.0.0.1:40001');
  assert.equal(defaultPublicBaseUrl(validate({ host: '::1' }).config, 8443), 'https://[::1]:8443');
  assert.equal(defaultPublicBaseUrl(validate({ host: '0.0.0.0' }).config, 8443), 'https://localhost:8443');
});

test('fail/a public base URL that is not https or carries a query is refused', () => {
  for (const url of ['http://vigil.example.org', 'https://vigil.example.org/?x=1', 'https://u:p@vigil.example.org', 'javascript:alert(1)']) {
    assert.throws(() => validate({ http: { publicBaseUrl: url } }), url);
  }
});
