import path from 'node:path';
import { canonicalBytes, sha256Hex } from '../bundle/jcs.js';
import { SHARD_PREDICATE_TYPE, type ShardPredicate } from '../bundle/shard-statement.js';
import { readBundleFile, type BundleFile } from '../bundle/store.js';
import { shardIndex } from '../dataset/index.js';
import { ProofgateError } from '../errors.js';
import type { CaseRecord } from './case.js';

/** A shard part read from disk, with its shape checked; signatures are checked separately. */
export interface ShardPart {
  /** The path as the user gave it, for messages. */
  name: string;
  bundle: BundleFile;
  predicate: ShardPredicate;
  /** sha256 of the JCS statement, which is what the part's signatures cover. */
  statementSha256: string;
  records: CaseRecord[];
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Reads one file written by `run --shard`; any problem is ProofgateError('BUNDLE_INVALID'). */
export async function readShardPart(file: string, cwd: string): Promise<ShardPart> {
  const name = path.relative(cwd, file) || file;
  const bundle = await readBundleFile(file);
  const { statement } = bundle;

  if (statement.predicateType !== SHARD_PREDICATE_TYPE) {
    const hint = statement.predicateType.endsWith('/eval/v1') ? ': it is an evaluation bundle; merge reads the files that `run --shard I/N` writes' : '';
    throw new ProofgateError('BUNDLE_INVALID', `${name} is not a shard result (predicateType ${statement.predicateType})${hint}`);
  }

  const problem = findPredicateProblem(statement.predicate);
  if (problem !== undefined) throw new ProofgateError('BUNDLE_INVALID', `${name} is not a valid shard result: ${problem}`);

  const predicate = statement.predicate as unknown as ShardPredicate;
  return {
    name,
    bundle,
    predicate,
    statementSha256: sha256Hex(canonicalBytes(statement)),
    records: predicate.cases as CaseRecord[],
  };
}

/**
 * Lists every reason the parts cannot be merged into one run: they differ in
 * pipeline, version, dataset, sample or shard count, a shard index is missing
 * or repeated, or a case appears twice or in the wrong shard. An empty list
 * means they fit together.
 */
export function findMergeProblems(parts: readonly ShardPart[]): string[] {
  const [first] = parts;
  if (first === undefined) return ['no shard parts were given'];

  const problems = parts.slice(1).flatMap((part) => compareWithFirst(first, part));
  if (problems.length > 0) return problems;

  return [...findIndexProblems(parts), ...findCaseProblems(parts)];
}

function compareWithFirst(first: ShardPart, part: ShardPart): string[] {
  const fields: Array<[string, (item: ShardPart) => unknown]> = [
    ['pipeline', (item) => item.predicate.pipeline.name],
    ['pipeline version', (item) => item.predicate.pipeline.version],
    ['dataset digest', (item) => item.predicate.dataset.sha256],
    ['shard count', (item) => item.predicate.shard.count],
    ['--sample', (item) => item.predicate.dataset.sample ?? 'none'],
    ['--seed', (item) => item.predicate.dataset.seed ?? 'none'],
  ];

  return fields
    .filter(([, read]) => read(part) !== read(first))
    .map(([label, read]) => `${part.name} has ${label} ${String(read(part))}, but ${first.name} has ${String(read(first))}`);
}

function findIndexProblems(parts: readonly ShardPart[]): string[] {
  const count = (parts[0] as ShardPart).predicate.shard.count;
  const byIndex = new Map<number, string[]>();
  for (const part of parts) byIndex.set(part.predicate.shard.index, [...(byIndex.get(part.predicate.shard.index) ?? []), part.name]);

  const problems: string[] = [];
  for (let index = 1; index <= count; index += 1) {
    const names = byIndex.get(index) ?? [];
    if (names.length === 0) problems.push(`shard ${index}/${count} is missing; pass the part that \`run --shard ${index}/${count}\` wrote`);
    if (names.length > 1) problems.push(`shard ${index}/${count} was given ${names.length} times: ${names.join(', ')}`);
  }

  return problems;
}

function findCaseProblems(parts: readonly ShardPart[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];

  for (const part of parts) {
    const { index, count } = part.predicate.shard;
    if (part.records.length !== part.predicate.summary.cases) {
      problems.push(`${part.name} holds ${part.records.length} case records, but its summary counts ${part.predicate.summary.cases}`);
    }

    for (const record of part.records) {
      const earlier = seen.get(record.id);
      if (earlier !== undefined) problems.push(`case ${JSON.stringify(record.id)} appears in both ${earlier} and ${part.name}`);
      seen.set(record.id, part.name);

      const home = shardIndex(record.id, count) + 1;
      if (home !== index) problems.push(`case ${JSON.stringify(record.id)} in ${part.name} (shard ${index}/${count}) belongs to shard ${home}/${count}`);
    }
  }

  return problems;
}

function findPredicateProblem(predicate: Record<string, unknown>): string | undefined {
  const pipeline = asRecord(predicate.pipeline);
  const dataset = asRecord(predicate.dataset);
  const shard = asRecord(predicate.shard);
  const summary = asRecord(predicate.summary);

  if (typeof pipeline?.name !== 'string' || typeof pipeline.path !== 'string') return 'pipeline.name or pipeline.path is missing';
  if (typeof pipeline.version !== 'string' || !SHA256_HEX.test(pipeline.version)) return 'pipeline.version is not a sha256 digest';
  if (typeof dataset?.sha256 !== 'string' || !SHA256_HEX.test(dataset.sha256)) return 'dataset.sha256 is not a sha256 digest';
  if (!isWhole(shard?.count) || !isWhole(shard.index) || shard.index > shard.count) return 'shard must have a whole index between 1 and its count';
  if (!isWhole(summary?.cases, 0)) return 'summary.cases is not a count';
  if (typeof predicate.startedAt !== 'string' || Number.isNaN(Date.parse(predicate.startedAt))) return 'startedAt is not a time';
  if (!Array.isArray(predicate.cases)) return 'cases is not a list';

  const position = predicate.cases.findIndex((record) => !isCaseRecord(record));
  return position < 0 ? undefined : `cases[${position}] is not a case record with id, pass, latency_ms and scores`;
}

function isCaseRecord(value: unknown): boolean {
  const record = asRecord(value);
  return (
    typeof record?.id === 'string' &&
    typeof record.pass === 'boolean' &&
    typeof record.latency_ms === 'number' &&
    asRecord(record.scores) !== undefined &&
    (record.error === undefined || typeof record.error === 'string')
  );
}

function isWhole(value: unknown, minimum = 1): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
