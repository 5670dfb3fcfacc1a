/**
 * The patient list's search and sort (names and MRNs are sealed at rest, so the database cannot
 * match or order them: PatientService opens the summary fields of the candidate rows, then this
 * file narrows, orders and cuts the page with kernel/list-page.ts's keyset rule).
 *
 * MUST: only the patients of the page are disclosed, and each of them is audited by the service
 *       (patients.record.list); a patient matched or skipped on the way is not returned.
 */
import { pageInMemory, type CursorPosition, type ListPage, type Paged, type SortSpec } from '../kernel/index.js';
import type { PatientSummary } from './patient-service.js';

export const PATIENT_SORT_KEYS = ['name', 'mrn'] as const;
export type PatientSortKey = (typeof PATIENT_SORT_KEYS)[number];
export const PATIENT_SORT: SortSpec<PatientSortKey> = { keys: PATIENT_SORT_KEYS, defaultSort: 'name', defaultDirection: 'asc' };

export interface PatientListSearch {
  /** Part of the name or MRN (case-insensitive). */
  readonly q?: string | undefined;
  /** true: only patients in the caller's care team; false: only those outside it. */
  readonly inCareTeam?: boolean | undefined;
}

export function patientPosition(p: PatientSummary, sort: PatientSortKey): CursorPosition {
  return { value: sort === 'name' ? p.displayName.toLocaleLowerCase() : p.mrn.toLocaleLowerCase(), id: p.id };
}

export function selectPatientPage(all: readonly PatientSummary[], search: PatientListSearch, page: ListPage<PatientSortKey>): Paged<PatientSummary> {
  const needle = search.q?.trim().toLocaleLowerCase() ?? '';
  const matching = all.filter(
    (p) =>
      (needle === '' || p.displayName.toLocaleLowerCase().includes(needle) || p.mrn.toLocaleLowerCase().includes(needle)) &&
      (search.inCareTeam === undefined || p.inCareTeam === search.inCareTeam),
  );
  return pageInMemory(matching, page, patientPosition);
}
