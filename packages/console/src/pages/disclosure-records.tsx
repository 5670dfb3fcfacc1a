/**
 * A patient's recorded disclosures, one by one (the staff view of the accounting: suspended ones
 * included, nothing summarized): search by recipient, description or statement, filter by
 * purpose, sort and page by the server, with the view's state in the URL (docs/lists.md). The
 * server authorizes (patients:disclosures) and audits every page read.
 */
import { Text } from '@mantine/core';
import type { DisclosureRecords, DisclosureRecordsQuery } from '../api/client';
import { DataTable } from '../components/data-table';
import { Time } from '../components/feedback';
import { FilterBar } from '../components/filter-bar';
import { Section } from '../components/page';
import { oneOf, useCursorPager, useUrlFilters } from '../components/url-filters';
import { definedOnly, serverSort, usePagedList } from '../components/use-paged-list';
import { useSession } from '../session';
import { PURPOSES } from './disclosure-accounting';

type Row = DisclosureRecords['disclosures'][number];
type Purpose = NonNullable<DisclosureRecordsQuery['purpose']>;

const SORTS = ['disclosedAt', 'recipientName', 'purpose', 'recordedAt'] as const;
const PURPOSE_LABELS = new Map<string, string>(PURPOSES);
/** Rows a page: a patient's disclosures are few; a longer list pages. */
export const RECORDS_PAGE_SIZE = 10;

/** `version` changes when a disclosure was recorded on this page: the list is read again. */
export function RecordedDisclosuresPanel({ patientId, version }: { readonly patientId: string; readonly version: number }) {
  const { api } = useSession();
  const filters = useUrlFilters({ q: '', purpose: '', sort: 'disclosedAt', dir: 'desc', cursor: '' });
  const v = filters.values;
  const sort = oneOf(v.sort, SORTS, 'disclosedAt');
  const purpose = v.purpose === '' ? undefined : (oneOf(v.purpose, PURPOSES.map(([value]) => value), 'public-health') as Purpose);
  const list = usePagedList(
    () => api.recordedDisclosures(patientId, definedOnly({ q: v.q, purpose, sort: serverSort(sort, v.dir), cursor: v.cursor, limit: RECORDS_PAGE_SIZE })),
    JSON.stringify({ patientId, version, ...v }),
  );
  const pager = useCursorPager(filters, list.data?.nextCursor);

  return (
    <Section title="Recorded disclosures">
      <Text c="dimmed" size="sm">
        Every disclosure recorded in the last six years, one by one, including those an agency has suspended from the accounting.
      </Text>
      <FilterBar
        filters={filters}
        label="Filter recorded disclosures"
        fields={[
          { kind: 'search', key: 'q', label: 'Search', placeholder: 'Recipient, description or statement' },
          { kind: 'select', key: 'purpose', label: 'Purpose', options: [{ value: '', label: 'Any' }, ...PURPOSES.map(([value, label]) => ({ value, label }))] },
        ]}
      />
      <div data-testid="disclosure-records">
        <DataTable<Row>
          caption="Recorded disclosures"
          rows={list.data?.disclosures}
          rowKey={(d) => d.id}
          loading={list.loading}
          error={list.error}
          empty={filters.active ? 'No recorded disclosure matches these filters.' : 'No disclosure recorded in the last six years.'}
          sort={{ by: sort, dir: v.dir, onChange: (by, dir) => filters.set({ sort: by, dir }) }}
          paging={pager}
          minWidth="48rem"
          columns={[
            { key: 'disclosedAt', header: 'Disclosed', sortKey: 'disclosedAt', render: (d) => <Time iso={d.disclosedAt} dateOnly /> },
            {
              key: 'recipientName',
              header: 'Recipient',
              sortKey: 'recipientName',
              render: (d) => (
                <>
                  {d.recipientName}
                  {d.recipientAddress !== null && <div className="muted small">{d.recipientAddress}</div>}
                </>
              ),
            },
            { key: 'description', header: 'Information disclosed', render: (d) => d.description },
            {
              key: 'purpose',
              header: 'Purpose',
              sortKey: 'purpose',
              render: (d) => (
                <>
                  {d.purposeStatement}
                  <div className="muted small">{PURPOSE_LABELS.get(d.purpose) ?? d.purpose}</div>
                </>
              ),
            },
            { key: 'recordedAt', header: 'Recorded', sortKey: 'recordedAt', render: (d) => <Time iso={d.recordedAt} /> },
          ]}
        />
      </div>
    </Section>
  );
}
