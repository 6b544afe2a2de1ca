// RFC 4180 CSV writing: CRLF line ends, and a field is quoted when it
// contains a comma, a double quote, CR or LF, with inner quotes doubled.

/**
 * Formats one field.
 *
 * NOTE: a field that starts with `=`, `+`, `-` or `@` is written as it is.
 * Spreadsheet programs may evaluate such a field as a formula, but escaping
 * it would change negative numbers.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';

  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Formats a header row and data rows, each line ending in CRLF. */
export function formatCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}
