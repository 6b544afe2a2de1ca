// One bundle of a pipeline's history, summarized for `log` and `audit`.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { canonicalBytes, sha256Hex } from '../bundle/jcs.js';
import type { PreviousLink } from '../bundle/statement.js';
import { readBundleFile, type BundleFile } from '../bundle/store.js';
import { isProofgateError } from '../errors.js';

/** A gate as a bundle recorded it. */
export interface RecordedGate {
  source: string;
  metric: string;
  passed: boolean;
  actual: number | null;
  threshold: number | null;
}

export interface HistoryEntry {
  /** Absolute path of the bundle file. */
  file: string;
  /** Project-relative path, with forward slashes. */
  path: string;
  /** The pipeline folder the bundle is in. */
  pipeline: string;
  /** Finish time from the statement, else from the file name. */
  time: string;
  version: string | null;
  verdict: 'pass' | 'fail' | null;
  metrics: Record<string, number | null>;
  gates: RecordedGate[];
  dataset: { path: string | null; sha256: string | null; cases: number | null };
  commit: string | null;
  /** sha256 of the bundle file's bytes. */
  fileSha256: string;
  /** sha256 of JCS(statement), null when the bundle could not be read. */
  statementSha256: string | null;
  previous: PreviousLink | null;
  /** Reason the bundle could not be read; the other fields are then mostly null. */
  unreadable?: string;
}

/** An entry together with the parsed bundle, for checks that need the statement. */
export interface LoadedEntry {
  entry: HistoryEntry;
  bundle?: BundleFile;
}

const FILE_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/;

/** Reads one bundle file. A file that is not a valid bundle gives an entry with `unreadable` set. */
export async function readHistoryEntry(file: string, root: string, pipeline: string): Promise<LoadedEntry> {
  const bytes = await readFile(file);
  const base = {
    file,
    path: path.relative(root, file).split(path.sep).join('/'),
    pipeline,
    fileSha256: createHash('sha256').update(bytes).digest('hex'),
  };

  let bundle: BundleFile;
  try {
    bundle = await readBundleFile(file);
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    return { entry: { ...base, ...emptyFields(file), unreadable: error.message } };
  }

  return { entry: { ...base, ...summarize(bundle, file) }, bundle };
}

/** Reads the UTC time encoded in a bundle file name, as an ISO 8601 string. */
export function timeFromFileName(file: string): string | null {
  const match = FILE_TIME.exec(path.basename(file));
  if (match === null) return null;

  const [, year, month, day, hour, minute, second] = match;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}.000Z`;
}

function summarize(bundle: BundleFile, file: string): Omit<HistoryEntry, 'file' | 'path' | 'pipeline' | 'fileSha256'> {
  const predicate = bundle.statement.predicate;

  return {
    time: text(predicate.finishedAt) ?? timeFromFileName(file) ?? '',
    version: text(nested(predicate, 'pipeline').version),
    verdict: predicate.verdict === 'pass' || predicate.verdict === 'fail' ? predicate.verdict : null,
    metrics: metricsOf(predicate),
    gates: gatesOf(predicate),
    dataset: {
      path: text(nested(predicate, 'dataset').path),
      sha256: text(nested(predicate, 'dataset').sha256),
      cases: typeof nested(predicate, 'dataset').cases === 'number' ? (nested(predicate, 'dataset').cases as number) : null,
    },
    commit: text(nested(predicate, 'git').commit),
    statementSha256: statementDigest(bundle),
    previous: previousOf(predicate),
  };
}

function emptyFields(file: string): Omit<HistoryEntry, 'file' | 'path' | 'pipeline' | 'fileSha256'> {
  return {
    time: timeFromFileName(file) ?? '',
    version: null,
    verdict: null,
    metrics: {},
    gates: [],
    dataset: { path: null, sha256: null, cases: null },
    commit: null,
    statementSha256: null,
    previous: null,
  };
}

function statementDigest(bundle: BundleFile): string | null {
  try {
    return sha256Hex(canonicalBytes(bundle.statement));
  } catch {
    return null;
  }
}

function metricsOf(predicate: Record<string, unknown>): Record<string, number | null> {
  const metrics: Record<string, number | null> = {};

  for (const [name, metric] of Object.entries(nested(predicate, 'metrics'))) {
    const value = (metric as { value?: unknown } | null)?.value;
    metrics[name] = typeof value === 'number' ? value : null;
  }

  return metrics;
}

function gatesOf(predicate: Record<string, unknown>): RecordedGate[] {
  const gates = Array.isArray(predicate.gates) ? predicate.gates : [];

  return gates
    .filter((gate): gate is Record<string, unknown> => typeof gate === 'object' && gate !== null)
    .map((gate) => ({
      source: text(gate.source) ?? '',
      metric: text(gate.metric) ?? '',
      passed: gate.passed === true,
      actual: typeof gate.actual === 'number' ? gate.actual : null,
      threshold: typeof gate.threshold === 'number' ? gate.threshold : null,
    }));
}

function previousOf(predicate: Record<string, unknown>): PreviousLink | null {
  const previous = predicate.previous;
  if (typeof previous !== 'object' || previous === null) return null;

  const { path: linkPath, statementSha256, fileSha256 } = previous as Record<string, unknown>;
  if (typeof linkPath !== 'string') return null;

  return { path: linkPath, statementSha256: text(statementSha256) ?? '', fileSha256: text(fileSha256) ?? '' };
}

function nested(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
