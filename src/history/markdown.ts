// Escaping for Markdown written from bundle data, which may hold any text
// (case ids, config values, file names).

/** Wraps text in a code span whose backtick fence is longer than any run of backticks inside it. */
export function inlineCode(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';

  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * Makes text safe inside a GitHub-flavoured table cell: a pipe ends the cell
 * even inside a code span, so it is escaped, and a newline ends the row.
 */
export function tableCell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Formats a GitHub-flavoured Markdown table; cells are escaped here. */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(tableCell).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)];
}

/** Escapes characters that Markdown would read as formatting in running text. */
export function plainText(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/([\\`*_[\]<>#|~])/g, '\\$1');
}
