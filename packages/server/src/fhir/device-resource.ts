/**
 * A registered device as a FHIR R4 Device (https://hl7.org/fhir/R4/device.html). Pure.
 *
 * MUST: only the fields below are exposed: no certificate, address or status reason.
 */
import { DEVICE_SERIAL_SYSTEM, type DeviceResource } from './resources.js';

export interface DeviceFields {
  readonly id: string;
  readonly model: string;
  readonly serial: string;
  readonly udi: string | null;
  readonly firmwareVersion: string | null;
  readonly status: string;
}

/** Vigil's lifecycle -> FHIR FHIRDeviceStatus (active | inactive | entered-in-error | unknown). */
function deviceStatus(status: string): DeviceResource['status'] {
  switch (status) {
    case 'active':
    case 'quarantined':
      return 'active';
    case 'revoked':
    case 'decommissioned':
      return 'inactive';
    default:
      return 'unknown';
  }
}

export function toDeviceResource(d: DeviceFields, patientId?: string): DeviceResource {
  return {
    resourceType: 'Device',
    id: d.id,
    identifier: [{ system: DEVICE_SERIAL_SYSTEM, value: `${d.model}/${d.serial}` }],
    ...(d.udi !== null && d.udi !== '' ? { udiCarrier: [{ deviceIdentifier: d.udi }] } : {}),
    status: deviceStatus(d.status),
    serialNumber: d.serial,
    modelNumber: d.model,
    ...(d.firmwareVersion !== null && d.firmwareVersion !== '' ? { version: [{ value: d.firmwareVersion }] } : {}),
    ...(patientId !== undefined ? { patient: { reference: `Patient/${patientId}` } } : {}),
  };
}
