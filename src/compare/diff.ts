// `proofgate diff A B`: what changed between two bundles, read from the
// bundles alone (no working tree, no git).

import type { BundleFile } from '../bundle/store.js';
import { caseOutcomesOf, compareRuns, type CaseComparison } from './cases.js';
import { diffConfig, type ConfigChange } from './config.js';
import { diffMaterials, recordedFiles, type MaterialChanges } from './materials.js';
import { metricDeltas, type MetricDelta } from './metrics.js';
import { metricValuesOf } from './baseline.js';

/** One side of a diff, described for people. */
export interface DiffSide {
  /** Project-relative bundle path. */
  path: string;
  pipeline: string | null;
  version: string | null;
  verdict: string | null;
  finishedAt: string | null;
  commit: string | null;
}

export interface DatasetChange {
  before: { path: string | null; sha256: string | null; cases: number | null };
  after: { path: string | null; sha256: string | null; cases: number | null };
  changed: boolean;
}

/** A gate whose outcome differs, or that exists on one side only. Matched by its source text. */
export interface GateChange {
  source: string;
  before: boolean | null;
  after: boolean | null;
}

export interface BundleDiff {
  from: DiffSide;
  to: DiffSide;
  config: ConfigChange[];
  /** Materials and the pipeline file itself, by path and sha256. */
  materials: MaterialChanges;
  dataset: DatasetChange;
  metrics: Record<string, MetricDelta>;
  gates: GateChange[];
  cases: CaseComparison;
}

export interface DiffInput {
  path: string;
  bundle: BundleFile;
}

/**
 * Compares bundle `from` (the older or baseline run) with bundle `to`. Case
 * lists are complete unless `limit` caps them; their counts always are.
 */
export async function diffBundles(from: DiffInput, to: DiffInput, options: { limit?: number } = {}): Promise<BundleDiff> {
  const before = from.bundle.statement.predicate;
  const after = to.bundle.statement.predicate;

  return {
    from: describeSide(from),
    to: describeSide(to),
    config: diffConfig(field(before, 'pipeline', 'config') ?? {}, field(after, 'pipeline', 'config') ?? {}),
    materials: diffMaterials(filesOf(before), filesOf(after)),
    dataset: datasetChange(before, after),
    metrics: metricDeltas(metricValuesOf(after), metricValuesOf(before)),
    gates: gateChanges(before, after),
    cases: await compareRuns(caseOutcomesOf(after), caseOutcomesOf(before), options),
  };
}

function describeSide(input: DiffInput): DiffSide {
  const predicate = input.bundle.statement.predicate;

  return {
    path: input.path,
    pipeline: text(field(predicate, 'pipeline', 'name')),
    version: text(field(predicate, 'pipeline', 'version')),
    verdict: text(predicate.verdict),
    finishedAt: text(predicate.finishedAt),
    commit: text(field(predicate, 'git', 'commit')),
  };
}

// The pipeline file is listed with the materials: a change to its comments
// alone changes its bytes but not the config.
function filesOf(predicate: Record<string, unknown>) {
  const files = recordedFiles(predicate.materials);
  const pipelinePath = text(field(predicate, 'pipeline', 'path'));
  const pipelineSha = text(field(predicate, 'pipeline', 'sha256'));

  if (pipelinePath !== null && pipelineSha !== null && !files.some((file) => file.path === pipelinePath)) {
    files.push({ path: pipelinePath, sha256: pipelineSha });
  }

  return files;
}

function datasetChange(before: Record<string, unknown>, after: Record<string, unknown>): DatasetChange {
  const side = (predicate: Record<string, unknown>) => ({
    path: text(field(predicate, 'dataset', 'path')),
    sha256: text(field(predicate, 'dataset', 'sha256')),
    cases: count(field(predicate, 'dataset', 'cases')),
  });
  const left = side(before);
  const right = side(after);

  return { before: left, after: right, changed: left.path !== right.path || left.sha256 !== right.sha256 || left.cases !== right.cases };
}

function gateChanges(before: Record<string, unknown>, after: Record<string, unknown>): GateChange[] {
  const outcomes = (predicate: Record<string, unknown>) => {
    const gates = Array.isArray(predicate.gates) ? (predicate.gates as Array<{ source?: unknown; passed?: unknown }>) : [];
    return new Map(gates.filter((gate) => typeof gate?.source === 'string').map((gate) => [gate.source as string, gate.passed === true]));
  };
  const left = outcomes(before);
  const right = outcomes(after);
  const sources = [...new Set([...right.keys(), ...left.keys()])];

  return sources
    .map((source) => ({ source, before: left.get(source) ?? null, after: right.get(source) ?? null }))
    .filter((change) => change.before !== change.after);
}

function field(record: Record<string, unknown>, outer: string, inner: string): unknown {
  const value = record[outer];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[inner] : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function count(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}
