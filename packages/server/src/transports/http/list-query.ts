/**
 * The query parameters and answer field every paged list shares (kernel/list-page.ts): `sort`
 * (`key` or `-key`, from the list's whitelist), `cursor` (the previous answer's nextCursor) and
 * `limit`. The schemas document the keys in OpenAPI and bound the lengths; the kernel parser
 * checks the rest, so that the answer names the fault (a cursor that is malformed or made for
 * another sort is LIST_CURSOR_INVALID, a key off the whitelist LIST_SORT_INVALID).
 */
import Type from 'typebox';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type SortSpec } from '../../kernel/index.js';

export function listPageQuery<K extends string>(spec: SortSpec<K>) {
  const keys = spec.keys.join(', ');
  return {
    sort: Type.Optional(
      Type.String({
        maxLength: 64,
        description: `Sort key, one of: ${keys}; prefix - for descending. Default: ${spec.defaultDirection === 'desc' ? '-' : ''}${spec.defaultSort}.`,
      }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: "The previous page's nextCursor (opaque; valid only with the same sort)." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `Rows per page (default ${DEFAULT_PAGE_SIZE}).` })),
  };
}

export const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' });
