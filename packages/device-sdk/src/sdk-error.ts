/**
 * The one error type of the device SDK. `code` is stable and meant for the device's own logic
 * (retry, re-enrol, alarm); `message` is for people. Server error codes received over HTTP are
 * carried in `serverCode`.
 */
export type DeviceSdkErrorCode =
  | 'ENROLL_REJECTED'
  | 'ENROLL_RESPONSE_INVALID'
  | 'ENROLL_TRANSPORT'
  | 'NOT_ENROLLED'
  | 'STATE_INVALID'
  | 'OUTBOX_FULL'
  | 'OUTBOX_CORRUPT'
  | 'OUTBOX_CLOSED'
  | 'TELEMETRY_INVALID';

export class DeviceSdkError extends Error {
  override readonly name = 'DeviceSdkError';
  readonly code: DeviceSdkErrorCode;
  readonly serverCode: string | undefined;
  readonly status: number | undefined;

  constructor(code: DeviceSdkErrorCode, message: string, options: { cause?: unknown; serverCode?: string; status?: number } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    this.serverCode = options.serverCode;
    this.status = options.status;
  }
}
