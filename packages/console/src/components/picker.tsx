/**
 * A picker: a text field that suggests things by what people know them by (a patient's name or
 * MRN, a user's name, a device's serial) and hands back the id. Built on the native
 * `<input list>` + `<datalist>` (the browser's own accessible suggestion list; no inline style),
 * the input being Mantine's TextInput (its label, look and dark scheme).
 * An id pasted as is still works.
 */
import { TextInput } from '@mantine/core';
import { useEffect, useId, useState } from 'react';

export interface PickerOption {
  readonly id: string;
  /** What the field shows and matches: "Family, Given (MRN 123)", "Ada Admin (ada)", "SN-1 (pulse-2)". */
  readonly label: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function Picker({
  label,
  name,
  options,
  value,
  onChange,
  onSearch,
  placeholder,
}: {
  readonly label: string;
  readonly name: string;
  readonly options: readonly PickerOption[];
  /** The chosen id ('' for none). */
  readonly value: string;
  readonly onChange: (id: string) => void;
  /** Asked for options as the text changes (server-side search); omit for a fixed list. */
  readonly onSearch?: (text: string) => void;
  readonly placeholder?: string;
}) {
  const listId = useId();
  const chosen = options.find((o) => o.id === value);
  const [text, setText] = useState(chosen?.label ?? value);
  useEffect(() => {
    if (chosen !== undefined) setText(chosen.label);
  }, [chosen]);
  const change = (next: string) => {
    setText(next);
    onSearch?.(next);
    const match = options.find((o) => o.label === next) ?? options.find((o) => o.id === next.trim());
    onChange(match !== undefined ? match.id : UUID_RE.test(next.trim()) ? next.trim() : '');
  };
  return (
    <>
      <TextInput label={label} name={name} list={listId} autoComplete="off" value={text} placeholder={placeholder} onChange={(e) => change(e.currentTarget.value)} className="picker" />
      <datalist id={listId}>
        {options.map((o) => (
          <option key={o.id} value={o.label} />
        ))}
      </datalist>
    </>
  );
}

/** Options of a patient search (name or MRN), asked of the server as the user types. */
export function usePatientSearch(search: (q: string) => Promise<{ patients: ReadonlyArray<{ id: string; displayName: string; mrn: string }> }>) {
  const [options, setOptions] = useState<readonly PickerOption[]>([]);
  const [query, setQuery] = useState('');
  useEffect(() => {
    const q = query.trim();
    if (q.length < 2 || UUID_RE.test(q) || options.some((o) => o.label === query)) return undefined;
    let cancelled = false;
    const timer = window.setTimeout(() => {
      search(q).then(
        (r) => !cancelled && setOptions(r.patients.map((p) => ({ id: p.id, label: `${p.displayName} (MRN ${p.mrn})` }))),
        () => !cancelled && setOptions([]),
      );
    }, 200);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
    // Options are read only to skip a search for a suggestion just chosen.
  }, [query, search]);
  return { options, onSearch: setQuery };
}
