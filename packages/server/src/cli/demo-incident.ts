/**
 * `vigil demo --incident`: an attack played on the demo hospital through the real services, so
 * that the detectors, the alerts and the incident module see what they would see in production.
 *   1. dr-ward-a signs in from the hospital network (10.20.0.15) and reads one patient's record;
 *   2. an attacker with the stolen password signs in from a new address (198.51.100.23): one
 *      refused attempt (a typo), then accepted; reads most of the ward's records and tries a
 *      patient outside the care team (refused);
 *   3. a bedside monitor reports a firmware image hash that is not the expected one
 *      (device.firmware.reported through the security event stream and its detector).
 * The firmware alert opens an incident by itself (the demo organization chooses device-firmware);
 * the login-from-a-new-address alert is linked to it. The incident's timeline then names the
 * refused-then-accepted login as the point of failure and exactly the patients the attacker read.
 * MUST: nothing here bypasses a service: every step is authorized and audited as usual.
 */
import { ANONYMOUS_PRINCIPAL, isAppError, newId, type RequestContext } from '../kernel/index.js';
import type { Platform } from '../main.js';

export const HOSPITAL_ADDRESS = '10.20.0.15';
export const ATTACKER_ADDRESS = '198.51.100.23';
const NEW_PASSWORD = 'Ward-Lantern-Quartz-8817';

export interface DemoAttack {
  readonly incidentId: string;
  readonly victimUserId: string;
  readonly attackedPatientIds: readonly string[];
  readonly legitimatePatientId: string;
  readonly tamperedDeviceId: string;
}

const at = (source: string): RequestContext => ({ principal: ANONYMOUS_PRINCIPAL, requestId: `demo-attack-${newId()}`, source });

/** Plays the attack; `patientIds[0..5]` are dr-ward-a's patients (the demo seeds it so). */
export async function playIncidentAttack(platform: Platform, input: { admin: RequestContext; clinician: { username: string; oneTimePassword: string }; patientIds: readonly string[]; deviceId: string }): Promise<DemoAttack> {
  const { identity, patients, incidents, security } = platform;
  await incidents.service.putSettings(input.admin, { autoOpenDetectors: ['device-firmware'], autoOpenMinSeverity: 'high', joinWindowHours: 24 });

  // 1. The clinician, at work.
  const first = await identity.login(at(HOSPITAL_ADDRESS), { username: input.clinician.username, password: input.clinician.oneTimePassword, mode: 'bearer' });
  const own = await identity.changePassword(at(HOSPITAL_ADDRESS), first.auth, input.clinician.oneTimePassword, NEW_PASSWORD);
  const legitimatePatientId = input.patientIds[5] ?? '';
  await patients.records.get({ principal: identity.principal(own), requestId: `demo-${newId()}`, source: HOSPITAL_ADDRESS }, legitimatePatientId);

  // 2. The attacker, with the stolen password.
  await identity.login(at(ATTACKER_ADDRESS), { username: input.clinician.username, password: `${NEW_PASSWORD}x`, mode: 'bearer' }).catch((error: unknown) => {
    if (!isAppError(error)) throw error;
  });
  const stolen = await identity.login(at(ATTACKER_ADDRESS), { username: input.clinician.username, password: NEW_PASSWORD, mode: 'bearer' });
  const attacker: RequestContext = { principal: identity.principal(stolen.auth), requestId: `demo-${newId()}`, source: ATTACKER_ADDRESS };
  const attackedPatientIds = input.patientIds.slice(0, 5);
  for (const id of attackedPatientIds) await patients.records.get(attacker, id);
  await patients.records.get(attacker, input.patientIds[6] ?? '').catch((error: unknown) => {
    if (!isAppError(error)) throw error;
  });

  // 3. The monitor with an unknown firmware image.
  const orgId = input.admin.principal.kind === 'user' ? input.admin.principal.orgId : '';
  platform.securityEvents.emit({ type: 'device.firmware.reported', severity: 'high', reason: 'hash-mismatch', orgId, deviceId: input.deviceId, details: { reportedHash: 'e3'.repeat(32), expectedHash: '5a'.repeat(32), version: 'vigil-sim-0.1.0' } });

  let incidentId: string | undefined;
  for (let i = 0; i < 200 && incidentId === undefined; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    await security.alerts.flush();
    await incidents.flush();
    incidentId = (await incidents.service.list(input.admin, {})).find((x) => x.origin === 'auto' && x.seeds.deviceIds.includes(input.deviceId))?.id;
  }
  if (incidentId === undefined) throw new Error('demo: the firmware alert did not open an incident');
  const credential = (await security.alerts.list(input.admin, { detector: 'new-source' })).filter((a) => a.subject.id === stolen.auth.user.id);
  if (credential.length > 0) await incidents.service.linkAlerts(input.admin, incidentId, credential.map((a) => a.id));
  return { incidentId, victimUserId: stolen.auth.user.id, attackedPatientIds, legitimatePatientId, tamperedDeviceId: input.deviceId };
}
