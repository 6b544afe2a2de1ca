import path from 'node:path';
import { ProofgateError } from '../errors.js';
import { checkCandidate, type CheckContext, type TargetCheck } from './check.js';
import {
  findVersionCandidates,
  listCandidates,
  readBundleCandidate,
  recordedPipelineName,
  type Candidate,
  type TargetSpec,
} from './target.js';

/** The bundle a rollback restores, with the outcome of its checks. */
export interface ChosenTarget {
  candidate: Candidate;
  check: TargetCheck;
}

export interface ChooseOptions {
  name: string;
  /** The pipeline's bundle folder, `proofs/<name>/`. */
  dir: string;
  /** Version of the working tree, for `previous`; null when it cannot be computed. */
  currentVersion: (pipelinePath: string) => Promise<string | null>;
  context: CheckContext;
}

/**
 * Picks the bundle that `spec` names and that passes every check. When
 * several bundles tested the wanted version, the newest that passes wins.
 * Throws VERIFY_FAILED, listing each rejected bundle with its reasons, when
 * none passes, and USAGE when `spec` names nothing.
 */
export async function chooseTarget(spec: TargetSpec, options: ChooseOptions): Promise<ChosenTarget> {
  if (spec.kind === 'bundle') {
    const candidate = await readBundleCandidate(spec.file);

    assertSamePipeline(candidate, options.name);
    return firstPassing([candidate], options, `cannot roll back ${options.name} to ${path.basename(spec.file)}`);
  }

  if (spec.kind === 'version') {
    const candidates = await findVersionCandidates(options.dir, spec.prefix);
    const version = candidates[0]?.version.slice(0, 12) ?? spec.prefix;

    return firstPassing(candidates, options, `cannot roll back ${options.name} to version ${version}`);
  }

  return choosePrevious(options);
}

async function choosePrevious(options: ChooseOptions): Promise<ChosenTarget> {
  const candidates = await listCandidates(options.dir);
  const newest = candidates[0];

  if (newest === undefined) {
    throw new ProofgateError('USAGE', `no bundles in ${options.dir}; check the pipeline name, or run \`proofgate run\` first`);
  }

  // The newest bundle records where the pipeline file lives.
  const pipelinePath = recordedPipelinePath(newest);
  const current = pipelinePath === undefined ? null : await options.currentVersion(pipelinePath);
  const earlier = candidates.filter((candidate) => candidate.version !== current);

  if (earlier.length === 0) {
    throw new ProofgateError('VERIFY_FAILED', `every bundle of ${options.name} tested the working tree's version ${String(current).slice(0, 12)}, so there is no previous version and nothing was changed`);
  }

  return firstPassing(earlier, options, `no earlier version of ${options.name} has a signed, passing, approved bundle`);
}

async function firstPassing(candidates: Candidate[], options: ChooseOptions, failure: string): Promise<ChosenTarget> {
  const rejected: string[] = [];

  for (const candidate of candidates) {
    const check = await checkCandidate(candidate, options.context);

    if (check.ok) {
      return { candidate, check };
    }

    const name = path.relative(options.context.root, candidate.file);

    rejected.push(...check.problems.map((problem) => (candidates.length === 1 ? problem : `${name}: ${problem}`)));
  }

  throw new ProofgateError('VERIFY_FAILED', `${failure}, so nothing was changed`, { details: rejected });
}

function assertSamePipeline(candidate: Candidate, name: string): void {
  const recorded = recordedPipelineName(candidate.bundle);

  if (recorded !== name) {
    throw new ProofgateError('USAGE', `${candidate.file} is a bundle of pipeline ${String(recorded)}, not ${name}; pass a bundle from proofs/${name}/`);
  }
}

/** Returns the project path of the pipeline file that a bundle records. */
export function recordedPipelinePath(candidate: Candidate): string | undefined {
  const pipeline = candidate.bundle.statement.predicate.pipeline as { path?: unknown } | undefined;

  return typeof pipeline?.path === 'string' ? pipeline.path : undefined;
}
