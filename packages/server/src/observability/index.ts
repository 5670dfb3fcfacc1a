/**
 * observability: logging (and, later, metrics). Other modules and transports import this file only.
 */
export {
  createLogger,
  scrubSensitiveFields,
  REDACTED,
  REDACT_PATHS,
  SECRET_FIELD_NAMES,
  PHI_FIELD_NAMES,
  type Logger,
  type LoggerOptions,
} from './logger.js';
export { FaultLog, type FaultLogOptions } from './fault-log.js';
