/**
 * The console's table of records (Mantine Table): sortable column headers, loading / empty /
 * error states, row selection for bulk actions, cursor paging, and horizontal scrolling on narrow
 * screens (the page itself never gets wider than the viewport).
 *
 * Narrow screens (below 48rem, phones): each row becomes a stacked card, every cell labelled with
 * its column (`label`, or the header when it is text), so nothing is wider than the viewport.
 * Between that and `minWidth`, the table scrolls sideways inside its own box.
 *
 * Use:
 *   const filters = useUrlFilters({ q: '', sort: 'name', dir: 'asc', cursor: '' });
 *   const pager = useCursorPager(filters, page?.nextCursor);
 *   <DataTable
 *     caption="Devices"                                  // the accessible name (visually hidden)
 *     columns={[
 *       { key: 'serial', header: 'Serial', sortKey: 'serial', render: (d) => <Link to={`/devices/${d.id}`}>{d.serial}</Link> },
 *       { key: 'state', header: 'State', render: (d) => d.state },
 *     ]}
 *     rows={page?.items}                                 // undefined while loading
 *     rowKey={(d) => d.id}
 *     rowLabel={(d) => d.serial}                         // names the row's checkbox for screen readers
 *     error={error}                                      // the server's error, shown in place of rows
 *     empty="No devices match."
 *     sort={{ by: filters.values.sort, dir: filters.values.dir, onChange: (by, dir) => filters.set({ sort: by, dir }) }}
 *     selection={{ selected, onChange: setSelected }}    // a Set of row keys; bulk actions act on it
 *     paging={pager}
 *   />
 *
 * MUST: sorting and paging are the server's (the table shows one page; it never sorts a page
 *       locally, which would lie about the order of the whole list).
 * MUST: the sort state is announced (`aria-sort` on the header), every checkbox has a name, and a
 *       column header is a button only when it sorts.
 */
import { Alert, Button, Checkbox, Group, Table, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import { isApiError } from '../api/client';
import type { CursorPager } from './url-filters';

export type SortDirection = 'asc' | 'desc';

export interface Column<T> {
  readonly key: string;
  readonly header: ReactNode;
  /** The column's name beside each cell on narrow screens (default: the header when it is text). */
  readonly label?: string;
  readonly render: (row: T) => ReactNode;
  /** The server's sort key; the header becomes a sort button. */
  readonly sortKey?: string;
  /** Right-aligned numbers. */
  readonly numeric?: boolean;
}

export interface DataTableProps<T> {
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  /** undefined while the first page loads. */
  readonly rows: readonly T[] | undefined;
  readonly rowKey: (row: T) => string;
  readonly rowLabel?: (row: T) => string;
  readonly loading?: boolean;
  readonly error?: unknown;
  readonly empty?: ReactNode;
  readonly sort?: { readonly by: string; readonly dir: string; readonly onChange: (by: string, dir: SortDirection) => void };
  readonly selection?: { readonly selected: ReadonlySet<string>; readonly onChange: (next: Set<string>) => void };
  readonly paging?: CursorPager;
  /** Width below which the table scrolls sideways instead of squeezing (default 40rem). */
  readonly minWidth?: number | string;
}

export function DataTable<T>({ caption, columns, rows, rowKey, rowLabel, loading = false, error, empty = 'Nothing to show.', sort, selection, paging, minWidth = '40rem' }: DataTableProps<T>) {
  const failed = error !== null && error !== undefined;
  const keys = rows?.map(rowKey) ?? [];
  const allSelected = selection !== undefined && keys.length > 0 && keys.every((key) => selection.selected.has(key));
  const someSelected = selection !== undefined && keys.some((key) => selection.selected.has(key));
  const span = columns.length + (selection === undefined ? 0 : 1);

  const toggleAll = () => {
    if (selection === undefined) return;
    const next = new Set(selection.selected);
    for (const key of keys) {
      if (allSelected) next.delete(key);
      else next.add(key);
    }
    selection.onChange(next);
  };
  const toggle = (key: string) => {
    if (selection === undefined) return;
    const next = new Set(selection.selected);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    selection.onChange(next);
  };

  let body: ReactNode;
  if (failed) {
    body = (
      <Table.Tr>
        <Table.Td colSpan={span}>
          <Alert color="red" role="alert" title="Could not load">
            {isApiError(error) ? `${error.message} (${error.code})` : error instanceof Error ? error.message : 'Something went wrong.'}
          </Alert>
        </Table.Td>
      </Table.Tr>
    );
  } else if (rows === undefined) {
    body = (
      <Table.Tr>
        <Table.Td colSpan={span}>
          <Text c="dimmed" role="status">
            Loading…
          </Text>
        </Table.Td>
      </Table.Tr>
    );
  } else if (rows.length === 0) {
    body = (
      <Table.Tr>
        <Table.Td colSpan={span}>
          <Text c="dimmed">{empty}</Text>
        </Table.Td>
      </Table.Tr>
    );
  } else {
    body = rows.map((row) => {
      const key = rowKey(row);
      const checked = selection?.selected.has(key) === true;
      return (
        <Table.Tr key={key} {...(checked ? { 'data-selected': true } : {})}>
          {selection !== undefined && (
            <Table.Td className="data-table-check">
              <Checkbox aria-label={`Select ${rowLabel?.(row) ?? key}`} checked={checked} onChange={() => toggle(key)} />
            </Table.Td>
          )}
          {columns.map((column) => (
            <Table.Td key={column.key} className={column.numeric === true ? 'numeric' : undefined} data-label={column.label ?? (typeof column.header === 'string' ? column.header : undefined)}>
              {column.render(row)}
            </Table.Td>
          ))}
        </Table.Tr>
      );
    });
  }

  return (
    <div className="data-table" aria-busy={loading || rows === undefined}>
      <Table.ScrollContainer minWidth={minWidth} type="native">
        <Table striped highlightOnHover verticalSpacing="xs">
          <caption>
            <VisuallyHidden>{caption}</VisuallyHidden>
          </caption>
          <Table.Thead>
            <Table.Tr>
              {selection !== undefined && (
                <Table.Th className="data-table-check">
                  <Checkbox aria-label={`Select all shown ${caption.toLowerCase()}`} checked={allSelected} indeterminate={someSelected && !allSelected} onChange={toggleAll} disabled={keys.length === 0} />
                </Table.Th>
              )}
              {columns.map((column) => (
                <HeaderCell key={column.key} column={column} sort={sort} />
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>{body}</Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {paging !== undefined && (paging.hasNext || paging.hasPrevious) && (
        <Group justify="space-between" mt="xs" className="data-table-paging">
          <Text size="sm" c="dimmed">
            Page {paging.page}
          </Text>
          <Group gap="xs">
            <Button variant="default" size="xs" onClick={paging.previous} disabled={!paging.hasPrevious || loading}>
              Previous
            </Button>
            <Button variant="default" size="xs" onClick={paging.next} disabled={!paging.hasNext || loading}>
              Next
            </Button>
          </Group>
        </Group>
      )}
    </div>
  );
}

function HeaderCell<T>({ column, sort }: { readonly column: Column<T>; readonly sort: DataTableProps<T>['sort'] }) {
  const className = column.numeric === true ? 'numeric' : undefined;
  if (column.sortKey === undefined || sort === undefined) {
    return (
      <Table.Th scope="col" className={className}>
        {column.header}
      </Table.Th>
    );
  }
  const sortKey = column.sortKey;
  const active = sort.by === sortKey;
  const dir: SortDirection = sort.dir === 'desc' ? 'desc' : 'asc';
  const ariaSort = active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <Table.Th scope="col" aria-sort={ariaSort} className={className}>
      <UnstyledButton className="sort-button" onClick={() => sort.onChange(sortKey, active && dir === 'asc' ? 'desc' : 'asc')}>
        {column.header}
        <span aria-hidden="true" className="sort-mark">
          {active ? (dir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </UnstyledButton>
    </Table.Th>
  );
}
