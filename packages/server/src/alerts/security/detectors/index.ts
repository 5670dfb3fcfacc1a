/** The detectors, one file each; `buildDetectors` keeps the enabled ones (settings: ../settings.ts). */
import type { Detector } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { accessDenialsDetector } from './access-denials.js';
import { breakGlassDetector } from './break-glass.js';
import { bruteForceDetector } from './brute-force.js';
import { bulkPhiDetector } from './bulk-phi.js';
import { deviceAclDetector } from './device-acl.js';
import { deviceAuthFailuresDetector } from './device-auth-failures.js';
import { deviceCertificateDetector } from './device-certificate.js';
import { deviceFlappingDetector, deviceSourceChangeDetector } from './device-connections.js';
import { deviceFirmwareDetector } from './device-firmware.js';
import { deviceMessageRateDetector } from './device-message-rate.js';
import { deviceMessageSizeDetector } from './device-message-size.js';
import { deviceReplayDetector } from './device-replay.js';
import { disabledAccountTokenDetector } from './disabled-account-token.js';
import { newSourceDetector } from './new-source.js';
import { offHoursPhiDetector } from './off-hours-phi.js';
import { passwordSprayDetector } from './password-spray.js';
import { privilegeEscalationDetector } from './privilege-escalation.js';

export { silenceCandidates, type SeenDevice } from './device-silence.js';

export function buildDetectors(s: DetectorSettings): Detector[] {
  if (!s.enabled) return [];
  const all: Array<[boolean, () => Detector]> = [
    [s.bruteForce.enabled, () => bruteForceDetector(s.bruteForce)],
    [s.passwordSpray.enabled, () => passwordSprayDetector(s.passwordSpray)],
    [s.newSource.enabled, () => newSourceDetector(s.newSource)],
    [s.bulkPhi.enabled, () => bulkPhiDetector(s.bulkPhi)],
    [s.offHoursPhi.enabled, () => offHoursPhiDetector(s.offHoursPhi)],
    [s.accessDenials.enabled, () => accessDenialsDetector(s.accessDenials)],
    [s.privilegeEscalation.enabled, () => privilegeEscalationDetector(s.privilegeEscalation)],
    [s.breakGlass.enabled, () => breakGlassDetector(s.breakGlass)],
    [s.disabledAccountToken.enabled, () => disabledAccountTokenDetector()],
    [s.deviceAuthFailures.enabled, () => deviceAuthFailuresDetector(s.deviceAuthFailures)],
    [s.deviceMessageRate.enabled, () => deviceMessageRateDetector(s.deviceMessageRate)],
    [s.deviceMessageSize.enabled, () => deviceMessageSizeDetector(s.deviceMessageSize)],
    [s.deviceSourceChange.enabled, () => deviceSourceChangeDetector()],
    [s.deviceFlapping.enabled, () => deviceFlappingDetector(s.deviceFlapping)],
    [s.deviceAcl.enabled, () => deviceAclDetector()],
    [s.deviceCertificate.enabled, () => deviceCertificateDetector()],
    [s.deviceReplay.enabled, () => deviceReplayDetector(s.deviceReplay)],
    [s.deviceFirmware.enabled, () => deviceFirmwareDetector()],
  ];
  return all.filter(([on]) => on).map(([, make]) => make());
}
