import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulatedBehaviour } from './simulated-firmware.js';

describe('simulated firmware behaviour', () => {
  it('ok/shares of 1000 devices land near the asked shares, reproducibly', () => {
    const options = { failInstallShare: 0.1, noReturnShare: 0.05, tamperShare: 0.02, seed: 7 };
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const b = simulatedBehaviour(`dev-${i}`, options);
      counts.set(b, (counts.get(b) ?? 0) + 1);
      assert.equal(simulatedBehaviour(`dev-${i}`, options), b, 'the same device always plays the same part');
    }
    assert.ok(Math.abs((counts.get('fail-install') ?? 0) - 100) < 35);
    assert.ok(Math.abs((counts.get('no-return') ?? 0) - 50) < 25);
    assert.ok(Math.abs((counts.get('tamper') ?? 0) - 20) < 15);
  });

  it('ok/no shares: every device is healthy; share 1: every device tampers', () => {
    assert.equal(simulatedBehaviour('d', {}), 'healthy');
    assert.equal(simulatedBehaviour('d', { tamperShare: 1 }), 'tamper');
  });
});
