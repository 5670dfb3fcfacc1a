/**
 * kernel: the vocabulary every module shares. No I/O and no state.
 */
export { ERROR_CATALOGUE, isErrorCode, type ErrorCode, type ErrorSpec } from './error-catalogue.js';
export { AppError, isAppError, toAppError, type AppErrorOptions } from './app-error.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { newId, newTimeOrderedId, newToken, isId } from './ids.js';
export { SYSTEM_PRINCIPAL, ANONYMOUS_PRINCIPAL, ROLES, cliPrincipal, isRole, principalOrg, type Principal, type Role } from './principal.js';
export type { UnitOfWork } from './unit-of-work.js';
export { systemContext, type RequestContext } from './request-context.js';
export { MemorySecurityEventSink, type SecurityEvent, type SecurityEventSink, type SecuritySeverity } from './security-event.js';
export { ALWAYS_HEALTHY, isStorageUnavailable, STORAGE_FAULT_KINDS, type StorageFailure, type StorageFaultKind, type StorageStatus } from './storage-status.js';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  compareSortValues,
  decodeListCursor,
  encodeListCursor,
  pageInMemory,
  parseListPage,
  toPaged,
  type CursorPosition,
  type ListPage,
  type ListPageInput,
  type Paged,
  type SortDirection,
  type SortSpec,
  type SortValue,
} from './list-page.js';
