/**
 * A patient's recorded disclosures as a list: search (recipient, description, purpose statement),
 * a purpose filter and sorting, paged with kernel/list-page.ts (docs/lists.md).
 *
 * Paged in memory: the recipient and description are sealed at rest, so the database cannot
 * search or order by them; a patient's disclosures over six years are few (the service reads at
 * most MAX_DISCLOSURES_READ). The cursor rule is the SQL lists' rule.
 *
 * MUST: the rows come from DisclosureService, which authorizes, scopes to the caller's
 *       organization and audits; this file only narrows, orders and cuts them.
 */
import { pageInMemory, parseListPage, type CursorPosition, type ListPage, type ListPageInput, type Paged, type SortSpec } from '../kernel/index.js';
import type { AccountablePurpose, Disclosure } from './model.js';

export const DISCLOSURE_SORT_KEYS = ['disclosedAt', 'recipientName', 'purpose', 'recordedAt'] as const;
export type DisclosureSortKey = (typeof DISCLOSURE_SORT_KEYS)[number];
/** Newest disclosure first by default, as the accounting reads. */
export const DISCLOSURE_SORT: SortSpec<DisclosureSortKey> = { keys: DISCLOSURE_SORT_KEYS, defaultSort: 'disclosedAt', defaultDirection: 'desc' };

export interface DisclosureListFilter {
  /** Part of the recipient's name, the description or the purpose statement (case-insensitive). */
  readonly q?: string | undefined;
  readonly purpose?: AccountablePurpose | undefined;
}

export function disclosurePosition(d: Disclosure, sort: DisclosureSortKey): CursorPosition {
  switch (sort) {
    case 'disclosedAt':
      return { value: d.disclosedAt, id: d.id };
    case 'recipientName':
      return { value: d.recipientName.toLowerCase(), id: d.id };
    case 'purpose':
      return { value: d.purpose, id: d.id };
    case 'recordedAt':
      return { value: d.recordedAt, id: d.id };
  }
}

/** Parses the paging parameters first, so that a bad sort or cursor is refused before any read. */
export function disclosurePage(input: ListPageInput): ListPage<DisclosureSortKey> {
  return parseListPage(DISCLOSURE_SORT, input);
}

export function pageDisclosures(list: readonly Disclosure[], filter: DisclosureListFilter, page: ListPage<DisclosureSortKey>): Paged<Disclosure> {
  const q = filter.q?.toLowerCase();
  const matching = list.filter(
    (d) =>
      (q === undefined || d.recipientName.toLowerCase().includes(q) || d.description.toLowerCase().includes(q) || d.purposeStatement.toLowerCase().includes(q)) &&
      (filter.purpose === undefined || d.purpose === filter.purpose),
  );
  return pageInMemory(matching, page, disclosurePosition);
}
