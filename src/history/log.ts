// `proofgate log`: the bundles of one or every pipeline, newest first.

import path from 'node:path';

import { listBundleFiles, parseBundleName } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { ProofgateError } from '../errors.js';
import { summarizeApprovals } from './approvals.js';
import { readHistoryEntry } from './entry.js';
import { formatMetric, shortCommit, shortDigest } from './format.js';
import { listPipelineNames, type ProofsLocation } from './locate.js';

export interface LogEntry {
  pipeline: string;
  time: string;
  /** Project path of the bundle. */
  path: string;
  version: string | null;
  verdict: 'pass' | 'fail' | null;
  /** Values of the metrics that the bundle's gates name, in gate order. */
  metrics: Record<string, number | null>;
  /** Approvals that verified; null when no trust file was available to check them. */
  approvers: Array<{ principal: string; method: string }> | null;
  commit: string | null;
  /** Reason the bundle could not be read. */
  unreadable?: string;
}

export interface LogOptions {
  location: ProofsLocation;
  /** One pipeline; all under the proofs folder when absent. */
  name?: string;
  limit?: number;
  /** Keys for checking approvals; approvals are not listed without them. */
  trust?: TrustedKey[];
  at?: Date;
}

/**
 * Reads the history newest first. Bundles are ordered by the time in their
 * file names, so with `limit` only that many files are opened.
 */
export async function readLog(options: LogOptions): Promise<LogEntry[]> {
  const { root, proofsDir } = options.location;
  const names = options.name === undefined ? await listPipelineNames(proofsDir) : [options.name];
  const files: Array<{ pipeline: string; file: string }> = [];

  for (const name of names) {
    for (const file of await listBundleFiles(path.join(proofsDir, name))) files.push({ pipeline: name, file });
  }

  if (options.name !== undefined && files.length === 0) {
    throw new ProofgateError('USAGE', `no bundles for pipeline "${options.name}" in ${path.join(proofsDir, options.name)}; run \`proofgate run\` first, or check the name (\`proofgate log\` lists every pipeline).`);
  }

  // Reverse of the store's oldest-first order within a pipeline; across pipelines by file name, which starts with the time.
  const newestFirst = files.map((item, index) => ({ ...item, index })).sort((left, right) => compareNewestFirst(left, right));
  const chosen = newestFirst.slice(0, options.limit ?? newestFirst.length);

  const entries: LogEntry[] = [];
  for (const item of chosen) entries.push(await readLogEntry(item.file, item.pipeline, root, options));
  return entries;
}

async function readLogEntry(file: string, pipeline: string, root: string, options: LogOptions): Promise<LogEntry> {
  const { entry, bundle } = await readHistoryEntry(file, root, pipeline);
  const gated = [...new Set(entry.gates.map((gate) => gate.metric))].filter((metric) => Object.hasOwn(entry.metrics, metric));

  let approvers: LogEntry['approvers'] = null;
  if (options.trust !== undefined && bundle !== undefined && entry.statementSha256 !== null) {
    const summary = await summarizeApprovals(file, bundle, options.trust, root, options.at ?? new Date());
    approvers = summary.approvers.map((approver) => ({ principal: approver.principal, method: approver.method }));
  }

  return {
    pipeline,
    time: entry.time,
    path: entry.path,
    version: entry.version,
    verdict: entry.verdict,
    metrics: Object.fromEntries(gated.map((metric) => [metric, entry.metrics[metric] ?? null])),
    approvers,
    commit: entry.commit,
    ...(entry.unreadable === undefined ? {} : { unreadable: entry.unreadable }),
  };
}

/** Formats entries as an aligned table, one line per bundle, for a terminal. */
export function formatLogText(entries: readonly LogEntry[]): string {
  const header = ['TIME', 'PIPELINE', 'VERSION', 'VERDICT', 'METRICS', 'APPROVERS', 'COMMIT'];
  const rows = entries.map((entry) => [
    entry.time.replace(/\.\d{3}Z$/, 'Z'),
    entry.pipeline,
    shortDigest(entry.version),
    entry.unreadable === undefined ? (entry.verdict ?? '-') : 'unreadable',
    Object.entries(entry.metrics).map(([name, value]) => `${name}=${formatMetric(value)}`).join(' ') || '-',
    entry.approvers === null ? '?' : entry.approvers.map((approver) => `${approver.principal} (${approver.method})`).join(', ') || '-',
    shortCommit(entry.commit),
  ]);

  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');

  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function compareNewestFirst(left: { file: string; index: number }, right: { file: string; index: number }): number {
  const leftName = path.basename(left.file);
  const rightName = path.basename(right.file);
  // A name without milliseconds sorts as if at .000 of its second.
  const leftTime = (parseBundleName(leftName)?.time ?? leftName).replace(/(\d{6})Z$/, '$1.000Z');
  const rightTime = (parseBundleName(rightName)?.time ?? rightName).replace(/(\d{6})Z$/, '$1.000Z');

  if (leftTime !== rightTime) return leftTime < rightTime ? 1 : -1;
  return right.index - left.index;
}
