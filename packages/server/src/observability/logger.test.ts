/** The logger never writes secrets or PHI field values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, REDACTED, scrubSensitiveFields } from './logger.js';

function capture(): { lines: () => Record<string, unknown>[]; write: (line: string) => void } {
  const raw: string[] = [];
  return { write: (line) => void raw.push(line), lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logger redaction', () => {
  it('fail/credentials in HTTP headers are redacted', () => {
    const out = capture();
    createLogger({ destination: out }).info({
      req: { headers: { authorization: 'Bearer abc.def', cookie: 'sid=s3cr3t', host: 'vigil.example' } },
      res: { headers: { 'set-cookie': 'sid=s3cr3t' } },
    });
    const [line] = out.lines();
    assert.deepEqual(line?.['req'], { headers: { authorization: REDACTED, cookie: REDACTED, host: 'vigil.example' } });
    assert.deepEqual(line?.['res'], { headers: { 'set-cookie': REDACTED } });
  });

  for (const field of ['password', 'token', 'secret', 'masterKey', 'setupCredential', 'name', 'birthDate', 'mrn', 'address', 'phone', 'email']) {
    it(`fail/${field} is redacted at the top level, one level down, deep, and in arrays`, () => {
      const out = capture();
      const value = 'SENSITIVE-VALUE';
      const original = { [field]: value, one: { [field]: value }, deep: { a: { b: { [field]: value } } }, list: [{ [field]: value }] };
      createLogger({ destination: out }).info(original, 'event');
      const text = JSON.stringify(out.lines());
      assert.ok(!text.includes(value), text);
      assert.equal(original.one[field], value, "the caller's object is not changed");
    });
  }

  it('ok/other fields, the message and the service binding are kept', () => {
    const out = capture();
    createLogger({ destination: out, service: 'vigil-test' }).info({ deviceId: 'dev-1', count: 3 }, 'ingested');
    const [line] = out.lines();
    assert.equal(line?.['deviceId'], 'dev-1');
    assert.equal(line?.['count'], 3);
    assert.equal(line?.['msg'], 'ingested');
    assert.equal(line?.['service'], 'vigil-test');
  });

  it('fail/child bindings are redacted too', () => {
    const out = capture();
    createLogger({ destination: out }).child({ email: 'jane@example.org' }).info('x');
    assert.ok(!JSON.stringify(out.lines()).includes('jane@example.org'));
  });

  it('ok/errors keep their cause chain', () => {
    const out = capture();
    createLogger({ destination: out }).error({ err: new Error('outer', { cause: new Error('inner cause') }) }, 'failed');
    assert.match(JSON.stringify(out.lines()), /inner cause/);
  });

  it('ok/scrubSensitiveFields copies only what changes', () => {
    const untouched = { a: { b: [1, 2, { c: 'd' }] } };
    assert.equal(scrubSensitiveFields(untouched), untouched);
  });
});
