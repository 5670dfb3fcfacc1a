/**
 * The organization's users as a list: search (username, display name), filters (role, status,
 * MFA) and sorting, paged with kernel/list-page.ts.
 *
 * Paged in memory: a user's status (locked) and MFA enrolment are computed from other tables,
 * so the database cannot filter or order by them; an organization's users are few (the store's
 * listUsers already reads them all for the directory). The cursor rule is the SQL lists' rule.
 *
 * MUST: the rows come from IdentityService.listUsers, which authorizes users:read and reads only
 *       the caller's organization; this file only narrows, orders and cuts them.
 */
import { isRole, pageInMemory, parseListPage, type CursorPosition, type ListPageInput, type Paged, type Role, type SortSpec } from '../kernel/index.js';
import type { UserView } from './identity-service.js';

export const USER_SORT_KEYS = ['username', 'displayName', 'status', 'lastLoginAt'] as const;
export type UserSortKey = (typeof USER_SORT_KEYS)[number];
export const USER_SORT: SortSpec<UserSortKey> = { keys: USER_SORT_KEYS, defaultSort: 'username', defaultDirection: 'asc' };

export interface UserListFilter {
  /** Part of the username or display name (case-insensitive). */
  readonly q?: string | undefined;
  readonly role?: Role | undefined;
  readonly status?: UserView['status'] | undefined;
  readonly mfa?: boolean | undefined;
}

export function userPosition(u: UserView, sort: UserSortKey): CursorPosition {
  switch (sort) {
    case 'username':
      return { value: u.username.toLowerCase(), id: u.id };
    case 'displayName':
      return { value: u.displayName.toLowerCase(), id: u.id };
    case 'status':
      return { value: u.status, id: u.id };
    case 'lastLoginAt':
      return { value: u.lastLoginAt ?? '', id: u.id };
  }
}

export function pageUsers(users: readonly UserView[], filter: UserListFilter, input: ListPageInput): Paged<UserView> {
  const page = parseListPage(USER_SORT, input);
  const q = filter.q?.toLowerCase();
  const role = filter.role !== undefined && isRole(filter.role) ? filter.role : undefined;
  const matching = users.filter(
    (u) =>
      (q === undefined || u.username.toLowerCase().includes(q) || u.displayName.toLowerCase().includes(q)) &&
      (role === undefined || u.roles.includes(role)) &&
      (filter.status === undefined || u.status === filter.status) &&
      (filter.mfa === undefined || u.mfaEnrolled === filter.mfa),
  );
  return pageInMemory(matching, page, userPosition);
}
