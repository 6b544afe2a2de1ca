import path from 'node:path';
import { listBundleFiles, readBundleFile, type BundleFile } from '../bundle/store.js';
import { ProofgateError } from '../errors.js';

/** The target that `--to` names. */
export type TargetSpec =
  | { kind: 'previous' }
  | { kind: 'version'; prefix: string }
  | { kind: 'bundle'; file: string };

/** A bundle that may become the rollback target, with the version its subject names. */
export interface Candidate {
  file: string;
  bundle: BundleFile;
  version: string;
}

const MIN_PREFIX = 7;
const VERSION_PREFIX = /^(?:sha256:)?([0-9a-f]{7,64})$/i;

/**
 * Reads `--to`: `previous`, a version digest or a prefix of at least 7 hex
 * digits (optionally `sha256:`-prefixed), or else a bundle file path.
 */
export function parseTargetSpec(to: string, cwd: string): TargetSpec {
  if (to === 'previous') {
    return { kind: 'previous' };
  }

  const version = VERSION_PREFIX.exec(to);

  if (version?.[1] !== undefined) {
    return { kind: 'version', prefix: version[1].toLowerCase() };
  }

  if (/^[0-9a-f]{1,6}$/i.test(to)) {
    throw new ProofgateError('USAGE', `--to ${to} is too short; give at least ${MIN_PREFIX} hex digits of the version, a bundle path or "previous"`);
  }

  return { kind: 'bundle', file: path.resolve(cwd, to) };
}

/**
 * Lists the bundles of the version that `prefix` names, newest first. Throws
 * USAGE when no bundle's version starts with it, or when the versions of
 * several do (listing each).
 */
export async function findVersionCandidates(dir: string, prefix: string): Promise<Candidate[]> {
  // File names carry 12 hex digits of the version, so most files are never opened.
  const files = (await listBundleFiles(dir)).filter((file) => fileNameMatches(file, prefix)).reverse();
  const candidates: Candidate[] = [];

  for (const file of files) {
    const candidate = await readCandidate(file);

    if (candidate?.version.startsWith(prefix)) {
      candidates.push(candidate);
    }
  }

  const versions = [...new Set(candidates.map((candidate) => candidate.version))];

  if (versions.length === 0) {
    throw new ProofgateError('USAGE', `no bundle in ${dir} tested a version starting with ${prefix}; \`proofgate log\` lists the versions`);
  }

  if (versions.length > 1) {
    throw new ProofgateError('USAGE', `version prefix ${prefix} is ambiguous: it matches ${versions.length} versions; give more hex digits`, {
      details: versions.map((version) => `${version} (${path.basename(newestOf(candidates, version).file)})`),
    });
  }

  return candidates;
}

/**
 * Reads every bundle in `dir`, newest first, skipping files that are not
 * valid bundles, for choosing the `previous` version.
 */
export async function listCandidates(dir: string): Promise<Candidate[]> {
  const candidates: Candidate[] = [];

  for (const file of (await listBundleFiles(dir)).reverse()) {
    const candidate = await readCandidate(file);

    if (candidate !== undefined) {
      candidates.push(candidate);
    }
  }

  return candidates;
}

/** Reads the bundle that `--to FILE` names. A file that is not a bundle raises BUNDLE_INVALID. */
export async function readBundleCandidate(file: string): Promise<Candidate> {
  const bundle = await readBundleFile(file);

  return { file, bundle, version: subjectVersion(bundle) ?? '' };
}

/** Returns the pipeline name an evaluation bundle records, if any. */
export function recordedPipelineName(bundle: BundleFile): string | undefined {
  const pipeline = bundle.statement.predicate.pipeline as { name?: unknown } | undefined;

  return typeof pipeline?.name === 'string' ? pipeline.name : undefined;
}

function fileNameMatches(file: string, prefix: string): boolean {
  const stem = /-([0-9a-f]{12})(?:-\d+)?\.json$/.exec(path.basename(file))?.[1];

  if (stem === undefined) {
    return false;
  }

  return prefix.length <= stem.length ? stem.startsWith(prefix) : prefix.startsWith(stem);
}

// A bundle that cannot be read is skipped: it cannot be a target, and `verify` names its problem.
async function readCandidate(file: string): Promise<Candidate | undefined> {
  try {
    const bundle = await readBundleFile(file);
    const version = subjectVersion(bundle);

    return version === undefined ? undefined : { file, bundle, version };
  } catch (error) {
    if (error instanceof ProofgateError) {
      return undefined;
    }

    throw error;
  }
}

function subjectVersion(bundle: BundleFile): string | undefined {
  const subject = bundle.statement.subject[0] as { digest?: { sha256?: unknown } } | undefined;
  const digest = subject?.digest?.sha256;

  return typeof digest === 'string' ? digest : undefined;
}

function newestOf(candidates: Candidate[], version: string): Candidate {
  return candidates.find((candidate) => candidate.version === version) as Candidate;
}
