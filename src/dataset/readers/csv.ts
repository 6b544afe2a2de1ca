import { Readable, pipeline } from 'node:stream';

import { CsvError, parse, type Parser } from 'csv-parse';

import { ProofgateError } from '../../errors.js';
import type { RawRecord } from '../records.js';

interface ParsedRow {
  record: Record<string, string>;
  line: number;
}

/**
 * Parses CSV with a header row into records of strings (no type casting, so an
 * answer like "007" stays as written). Quoted fields may span lines. CRLF, LF
 * and CR line endings and a UTF-8 byte order mark are accepted, and empty lines are skipped.
 */
export async function* readCsvRecords(chunks: AsyncIterable<string>, displayPath: string): AsyncGenerator<RawRecord> {
  const lines = new LineTracker();
  const parser: Parser = parse({
    bom: true,
    skip_empty_lines: true,
    // Listing all three endings lets a file that mixes them parse, because csv-parse otherwise uses only the first ending it finds.
    record_delimiter: ['\r\n', '\n', '\r'],
    columns: (header: string[]) => checkHeader(header, lines.take(header, parser.info.empty_lines), displayPath),
    // on_record runs while parsing, so the line count is current even when a later row fails before earlier rows are read.
    on_record: (record: Record<string, string>, context): ParsedRow => ({
      record,
      line: lines.take(Object.values(record), context.empty_lines),
    }),
  });
  const rows = pipeline(Readable.from(chunks), parser, () => {});
  let ordinal = 0;

  try {
    for await (const row of rows as AsyncIterable<ParsedRow>) {
      yield { record: row.record, line: row.line, ordinal };
      ordinal += 1;
    }
  } catch (error) {
    if (error instanceof CsvError) throw csvError(error, lines.peek(Number(error['empty_lines'] ?? 0)), displayPath);
    throw error;
  } finally {
    rows.destroy();
  }
}

/**
 * Computes the line where each row starts. csv-parse's own `info.lines` counts
 * a CRLF inside a quoted field as two lines (csv-parse 7.0.3), so the count is
 * rebuilt from the line breaks in the parsed values plus the empty lines skipped.
 */
class LineTracker {
  private lastLine = 0;
  private emptyLinesSeen = 0;

  /** Returns the start line of the row that follows, given csv-parse's running count of skipped empty lines. */
  peek(emptyLines: number): number {
    return this.lastLine + 1 + (emptyLines - this.emptyLinesSeen);
  }

  /** Returns the start line of a parsed row and moves past it. */
  take(values: readonly string[], emptyLines: number): number {
    const start = this.peek(emptyLines);
    this.lastLine = start + values.reduce((sum, value) => sum + countLineBreaks(value), 0);
    this.emptyLinesSeen = emptyLines;
    return start;
  }
}

function countLineBreaks(value: string): number {
  return value.match(/\r\n|\r|\n/g)?.length ?? 0;
}

function checkHeader(header: string[], line: number, displayPath: string): string[] {
  const seen = new Set<string>();

  for (const name of header) {
    if (seen.has(name)) {
      throw new ProofgateError(
        'DATASET_INVALID',
        `${displayPath}:${line}: column "${name}" appears twice in the header; rename one so no value is lost`,
      );
    }
    seen.add(name);
  }

  return header;
}

function csvError(error: CsvError, line: number, displayPath: string): ProofgateError {
  const where = `${displayPath}:${line}`;

  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS': {
      const fields = Array.isArray(error['record']) ? error['record'].length : '?';
      const columns = Array.isArray(error['columns']) ? error['columns'].length : '?';
      return new ProofgateError(
        'DATASET_INVALID',
        `${where}: the row has ${fields} fields but the header has ${columns} columns; quote values that contain commas`,
        { cause: error },
      );
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return new ProofgateError('DATASET_INVALID', `${where}: a quoted field in this row is never closed; add the closing quote`, { cause: error });
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return new ProofgateError(
        'DATASET_INVALID',
        `${where}: a quote character is out of place; put the whole field in quotes and double any quote inside it ("")`,
        { cause: error },
      );
    default:
      // csv-parse's message carries its own line count, which can differ from ours.
      return new ProofgateError('DATASET_INVALID', `${where}: invalid CSV: ${error.message.replace(/ (at|on) line \d+/g, '')}`, { cause: error });
  }
}
