/**
 * A row of list filters bound to the URL (through `useUrlFilters`): a search box (sent after a
 * short pause in typing), selects, and "Clear filters" when any filter is set. It wraps on
 * narrow screens.
 *
 * Use:
 *   const filters = useUrlFilters({ q: '', state: '', sort: 'serial', dir: 'asc', cursor: '' });
 *   <FilterBar
 *     filters={filters}
 *     label="Filter devices"
 *     fields={[
 *       { kind: 'search', key: 'q', label: 'Search', placeholder: 'Serial or model' },
 *       { kind: 'select', key: 'state', label: 'State', options: [{ value: '', label: 'Any' }, { value: 'online', label: 'Online' }] },
 *     ]}
 *   >
 *     {extra controls, e.g. a bulk-action button}
 *   </FilterBar>
 *
 * MUST: the URL is the one source of truth: the inputs show what the URL says (a reload or Back
 *       shows the same view), and every change goes through `filters.set` (which resets paging).
 * MUST: every control has a visible label (not a placeholder only).
 */
import { Button, Group, Select, TextInput } from '@mantine/core';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { UrlFilters } from './url-filters';

export type FilterField<K extends string> =
  | { readonly kind: 'search'; readonly key: K; readonly label: string; readonly placeholder?: string }
  | { readonly kind: 'select'; readonly key: K; readonly label: string; readonly options: readonly { readonly value: string; readonly label: string }[] };

export interface FilterBarProps<K extends string> {
  readonly filters: UrlFilters<K>;
  readonly fields: readonly FilterField<K>[];
  /** The accessible name of the group (e.g. "Filter devices"). */
  readonly label: string;
  readonly children?: ReactNode;
  /** Milliseconds of no typing before a search is applied (default 300). */
  readonly debounceMs?: number;
}

export function FilterBar<K extends string>({ filters, fields, label, children, debounceMs = 300 }: FilterBarProps<K>) {
  return (
    <Group role="search" aria-label={label} gap="sm" align="flex-end" wrap="wrap" className="filter-bar">
      {fields.map((field) =>
        field.kind === 'search' ? (
          <SearchField key={field.key} label={field.label} placeholder={field.placeholder} value={filters.values[field.key]} debounceMs={debounceMs} onChange={(value) => filters.set({ [field.key]: value } as Partial<Record<K, string>>, { replace: true })} />
        ) : (
          <Select
            key={field.key}
            label={field.label}
            data={field.options.map((option) => ({ value: option.value === '' ? '__any' : option.value, label: option.label }))}
            value={filters.values[field.key] === '' ? '__any' : filters.values[field.key]}
            onChange={(value) => filters.set({ [field.key]: value === null || value === '__any' ? '' : value } as Partial<Record<K, string>>)}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
            className="filter-select"
          />
        ),
      )}
      {filters.active && (
        <Button variant="subtle" onClick={filters.reset}>
          Clear filters
        </Button>
      )}
      {children}
    </Group>
  );
}

function SearchField({ label, placeholder, value, debounceMs, onChange }: { readonly label: string; readonly placeholder?: string | undefined; readonly value: string; readonly debounceMs: number; readonly onChange: (value: string) => void }) {
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // The URL changed (Back, Clear filters, a shared link): show what it says.
  useEffect(() => setText(value), [value]);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  const change = (next: string) => {
    setText(next);
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => onChange(next.trim()), debounceMs);
  };
  return <TextInput type="search" label={label} placeholder={placeholder} value={text} onChange={(event) => change(event.currentTarget.value)} className="filter-search" />;
}
