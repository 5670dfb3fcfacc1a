/**
 * CSV export (RFC 4180): CRLF line breaks, a header row, fields quoted when they hold a comma,
 * a double quote, CR or LF, with quotes doubled (§2.5-2.7).
 *
 * MUST: a text cell that a spreadsheet would read as a formula (starting with = + - @, or a
 *       TAB or CR) is prefixed with a single quote (OWASP "CSV Injection"). Numbers are written
 *       as numbers: a negative count is not text and is not prefixed.
 */
export type CsvValue = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<Row extends Record<string, CsvValue>>(columns: ReadonlyArray<keyof Row & string>, rows: readonly Row[]): string {
  const lines = [columns.map((c) => csvCell(c)).join(','), ...rows.map((row) => columns.map((c) => csvCell(row[c] ?? null)).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
