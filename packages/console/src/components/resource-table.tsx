/**
 * `ResourceTable`: a DataTable over a `useResource` answer (resource.tsx), for the lists a page
 * loads whole: the server's error in place of the table, the table's own loading row while it
 * loads, the rows when they came. It replaces each page's copy of
 * `error ? <ErrorNotice/> : loading ? <Loading/> : <DataTable/>`.
 *
 * Use:
 *   const [records] = useResource(() => api.training(userId), `training:${userId}`);
 *   <ResourceTable resource={records} caption="Training records" rowKey={(r) => r.id} columns={[…]} testId="training" />
 *
 * Its own file, not resource.tsx: resource.tsx is in the first screen's chunk (the ward board
 * uses ResourceProblem), and the table with Mantine's Table belongs to the pages that list.
 * Paged lists (usePagedList) pass rows, loading and error to DataTable directly.
 */
import { DataTable, type DataTableProps } from './data-table';
import { ErrorNotice } from './feedback';
import type { Resource } from './resource';

export type ResourceTableProps<T> = Omit<DataTableProps<T>, 'rows' | 'loading' | 'error'> & {
  readonly resource: Resource<readonly T[]>;
  /** A data-testid on a box around the table (and its error), for the browser tests. */
  readonly testId?: string;
};

export function ResourceTable<T>({ resource, testId, ...table }: ResourceTableProps<T>) {
  const body = resource.status === 'error' ? <ErrorNotice error={resource.error} /> : <DataTable<T> {...table} rows={resource.status === 'ok' ? resource.data : undefined} loading={resource.status === 'loading'} />;
  return testId === undefined ? body : <div data-testid={testId}>{body}</div>;
}
