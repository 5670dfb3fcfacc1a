/**
 * disclosures: the accounting of disclosures of PHI to outside parties (HIPAA §164.528). The
 * per-patient access log (a use log) stays in compliance/usage; this module is the accounting.
 *
 * MUST: exclusions of §164.528(a)(1) are refused when recorded, naming the exclusion.
 * MUST: content is sealed at rest; every use case is audited in its transaction.
 * MUST: another organization's patient answers 404.
 */
export {
  ACCOUNTABLE_PURPOSES,
  EXCLUSIONS,
  SUSPENDABLE_PURPOSES,
  STATEMENT_KINDS,
  ACCOUNTING_YEARS,
  ORAL_SUSPENSION_MAX_DAYS,
  MAX_NAME,
  MAX_ADDRESS,
  MAX_TEXT,
  isAccountablePurpose,
  isExclusion,
  buildAccounting,
  checkDisclosure,
  checkSuspension,
  sixYearsBefore,
  retentionCutoff,
  recipientKey,
  suspends,
  type AccountablePurpose,
  type Exclusion,
  type StatementKind,
  type Disclosure,
  type DisclosureContent,
  type DisclosureInput,
  type Suspension,
  type SuspensionInput,
  type Accounting,
  type AccountingEntry,
} from './model.js';
export { DisclosureService, MAX_DISCLOSURES_READ, type DisclosureServiceDeps, type HostScope } from './disclosure-service.js';
export { accountingHtml } from './accounting-html.js';
export type { DisclosureRow, DisclosureStore, DisclosureScope } from './store.js';
export { DISCLOSURE_SORT, DISCLOSURE_SORT_KEYS, disclosurePosition, pageDisclosures, type DisclosureListFilter, type DisclosureSortKey } from './disclosure-list.js';
