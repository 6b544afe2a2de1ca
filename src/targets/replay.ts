// Recorded outputs instead of a live pipeline: either a recordings file joined
// to the cases by id, or a field of each case (for datasets such as exported
// production traffic that already contain the output). A case without a
// recording is a case error, so a gap in the recordings never passes a gate.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { ProofgateError } from '../errors.js';
import { lookupField } from '../template.js';
import { CaseError } from './target.js';
import type { Target, TargetRequest, TargetResult } from './target.js';
import type { TargetContext } from './index.js';

/** The `target.replay` block of pipeline.yaml. */
export interface ReplayTargetSpec {
  /** Field holding the output, in the recordings file or in the case; default `output`. Dotted paths reach into objects. */
  output?: string;
  /** Recordings file relative to the project: JSONL, a JSON array or CSV, chosen by extension. */
  path?: string;
  /** Field holding the case id in the recordings file; default `id`. */
  id?: string;
}

const DEFAULT_OUTPUT_FIELD = 'output';
const DEFAULT_ID_FIELD = 'id';

/** One record of a recordings file with the place it came from (`file:line`, or `file[index]` for a JSON array). */
interface RecordEntry {
  record: Record<string, unknown>;
  location: string;
}

interface Recording {
  /** undefined when the record has no output field. */
  output: unknown;
  location: string;
}

/**
 * Creates a replay target. With a path it reads the whole recordings file now,
 * so a malformed file or a duplicate id fails before any case runs
 * (ProofgateError 'CONFIG_INVALID').
 */
export async function createReplayTarget(spec: ReplayTargetSpec, context: TargetContext): Promise<Target> {
  const outputField = spec.output ?? DEFAULT_OUTPUT_FIELD;
  if (spec.path === undefined) return createFieldReplay(outputField);

  const entries = await readRecordsFile(spec.path, context.resolvePath(spec.path));
  const recordings = indexRecordings(entries, spec.id ?? DEFAULT_ID_FIELD, outputField);
  return createFileReplay(recordings, outputField, spec.path);
}

function createFieldReplay(outputField: string): Target {
  async function call(request: TargetRequest): Promise<TargetResult> {
    request.signal.throwIfAborted();
    const { id, vars } = request.case;

    const output = lookupField(vars, outputField);
    if (output === undefined) throw new CaseError(`case ${JSON.stringify(id)} has no field "${outputField}"`);
    return { output };
  }

  return { kind: 'replay', call };
}

function createFileReplay(recordings: Map<string, Recording>, outputField: string, displayPath: string): Target {
  async function call(request: TargetRequest): Promise<TargetResult> {
    request.signal.throwIfAborted();
    const id = request.case.id;

    const recording = recordings.get(id);
    if (recording === undefined) {
      throw new CaseError(`no recorded output for case ${JSON.stringify(id)} in ${displayPath}`);
    }

    if (recording.output === undefined) {
      throw new CaseError(`the recording of case ${JSON.stringify(id)} at ${recording.location} has no field "${outputField}"`);
    }

    return { output: recording.output };
  }

  return { kind: 'replay', call };
}

function indexRecordings(entries: RecordEntry[], idField: string, outputField: string): Map<string, Recording> {
  const recordings = new Map<string, Recording>();

  for (const { record, location } of entries) {
    const id = lookupField(record, idField);
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw invalid(
        `${location}: missing id: the recording has no string or number in field "${idField}". ` +
          'Set target.replay.id to the field that contains the case id.',
      );
    }

    const key = String(id);
    const earlier = recordings.get(key);
    if (earlier !== undefined) {
      throw invalid(
        `${location}: duplicate id ${JSON.stringify(key)}, first recorded at ${earlier.location}. ` +
          'Keep one recording per case.',
      );
    }

    recordings.set(key, { output: lookupField(record, outputField), location });
  }

  return recordings;
}

async function readRecordsFile(displayPath: string, absolutePath: string): Promise<RecordEntry[]> {
  const extension = path.extname(absolutePath).toLowerCase();
  const text = await readText(displayPath, absolutePath);

  if (extension === '.jsonl' || extension === '.ndjson') return parseJsonLines(text, displayPath);
  if (extension === '.json') return parseJsonArray(text, displayPath);
  if (extension === '.csv') return parseCsvRecords(text, displayPath);

  throw invalid(`recordings file ${displayPath} has an unsupported extension: use .jsonl, .json or .csv`);
}

async function readText(displayPath: string, absolutePath: string): Promise<string> {
  try {
    const text = await readFile(absolutePath, 'utf8');
    return text.replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw invalid(`failed to read recordings file ${displayPath} (${code}): check target.replay.path`, error);
  }
}

function parseJsonLines(text: string, displayPath: string): RecordEntry[] {
  const entries: RecordEntry[] = [];
  const lines = text.split('\n');

  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;

    const location = `${displayPath}:${index + 1}`;
    entries.push({ record: parseRecord(line, location), location });
  }

  return entries;
}

function parseRecord(line: string, location: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw invalid(`${location}: invalid JSON (${(error as Error).message})`, error);
  }

  return requireObject(value, location);
}

// NOTE: a JSON array carries no line numbers after JSON.parse, so its records
// are located by index (`file[3]`) rather than by line.
function parseJsonArray(text: string, displayPath: string): RecordEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`${displayPath}: invalid JSON (${(error as Error).message})`, error);
  }

  if (!Array.isArray(value)) throw invalid(`${displayPath}: expected a JSON array of recordings`);
  return value.map((element: unknown, index) => {
    const location = `${displayPath}[${index}]`;
    return { record: requireObject(element, location), location };
  });
}

function parseCsvRecords(text: string, displayPath: string): RecordEntry[] {
  let rows: Array<{ record: Record<string, string>; info: { lines: number }; raw: string }>;
  try {
    rows = parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, info: true, raw: true });
  } catch (error) {
    throw invalid(`${displayPath}: invalid CSV (${(error as Error).message})`, error);
  }

  // info.lines is the line where a record ends, and quoted fields may span
  // lines. The raw text sometimes includes the record's own line break, which
  // is not a line inside the record.
  return rows.map(({ record, info, raw }) => {
    const linesInside = raw.replace(/\r?\n$|\r$/, '').split('\n').length - 1;
    return { record, location: `${displayPath}:${info.lines - linesInside}` };
  });
}

function requireObject(value: unknown, location: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw invalid(`${location}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
}

function invalid(message: string, cause?: unknown): ProofgateError {
  return new ProofgateError('CONFIG_INVALID', message, { cause });
}
