// Finds bundles under proofs/: the folder itself, the pipelines in it, and
// the bundle a command-line argument names (a file, or a version prefix).

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { listBundleFiles, parseBundleName, readBundleFile } from '../bundle/store.js';
import { ProofgateError } from '../errors.js';
import { findWorkTreeRoot } from '../git/state.js';

/** The project root (git work tree, else the current folder) and its bundle folder. */
export interface ProofsLocation {
  root: string;
  proofsDir: string;
}

const VERSION_PREFIX = /^(?:sha256:)?([0-9a-fA-F]{7,64})$/;

/** Locates `proofs/` at the project root, or `proofsDir` relative to `cwd` when given. */
export async function locateProofs(cwd: string, proofsDir?: string): Promise<ProofsLocation> {
  const root = (await findWorkTreeRoot(cwd)) ?? cwd;
  return { root, proofsDir: proofsDir === undefined ? path.join(root, 'proofs') : path.resolve(cwd, proofsDir) };
}

/** Lists the pipeline folders under the proofs folder that contain at least one bundle, sorted by name. */
export async function listPipelineNames(proofsDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(proofsDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }

  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && (await listBundleFiles(path.join(proofsDir, entry.name))).length > 0) names.push(entry.name);
  }

  return names.sort();
}

/**
 * Resolves a bundle argument: an existing file, else a version digest or a
 * prefix of at least 7 hex digits, searched in every pipeline folder. A
 * version with several bundles resolves to its newest. Throws
 * ProofgateError('USAGE') when nothing matches or the prefix matches
 * several versions.
 */
export async function resolveBundleRef(ref: string, cwd: string, location: ProofsLocation): Promise<string> {
  const file = path.resolve(cwd, ref);
  if (await isFile(file)) return file;

  const match = VERSION_PREFIX.exec(ref);
  if (match === null) {
    throw new ProofgateError('USAGE', `"${ref}" is neither a bundle file nor a version: pass a bundle path, or at least 7 hex digits of a pipeline version.`);
  }

  const prefix = (match[1] as string).toLowerCase();
  const byVersion = await findVersions(prefix, location.proofsDir);

  if (byVersion.size === 0) {
    throw new ProofgateError('USAGE', `no bundle in ${displayDir(cwd, location.proofsDir)} has a version starting with ${prefix}; \`proofgate log\` lists the versions.`);
  }

  if (byVersion.size > 1) {
    const versions = [...byVersion.keys()].map((version) => version.slice(0, 16)).sort();
    throw new ProofgateError('USAGE', `version prefix ${prefix} is ambiguous: it matches ${byVersion.size} versions; give more digits.`, { details: versions });
  }

  const [files = []] = byVersion.values();
  return files[files.length - 1] as string;
}

// Maps each matching version to its bundle files, oldest first. The file name
// carries 12 hex digits of the version, so only those candidates are opened.
async function findVersions(prefix: string, proofsDir: string): Promise<Map<string, string[]>> {
  const byVersion = new Map<string, string[]>();
  const namePrefix = prefix.slice(0, 12);

  for (const name of await listPipelineNames(proofsDir)) {
    for (const file of await listBundleFiles(path.join(proofsDir, name))) {
      if (!(parseBundleName(path.basename(file))?.version ?? '').startsWith(namePrefix)) continue;

      const version = await versionOf(file);
      if (version === undefined || !version.startsWith(prefix)) continue;

      byVersion.set(version, [...(byVersion.get(version) ?? []), file]);
    }
  }

  return byVersion;
}

// Unreadable bundles cannot be chosen by version; naming the file reports why.
async function versionOf(file: string): Promise<string | undefined> {
  try {
    const bundle = await readBundleFile(file);
    const digest = (bundle.statement.subject[0] as { digest?: { sha256?: unknown } } | undefined)?.digest?.sha256;
    return typeof digest === 'string' ? digest : undefined;
  } catch {
    return undefined;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function displayDir(cwd: string, dir: string): string {
  return path.relative(cwd, dir) || '.';
}
