import path from 'node:path';
import { sha256Hex } from '../bundle/jcs.js';
import type { RestoredFile } from '../bundle/statement.js';
import type { Material } from '../config/files.js';
import { ProofgateError } from '../errors.js';
import { isObjectId, readBlobs, readFileAtCommit } from './objects.js';

/** A recorded file whose bytes were found in git and match the bundle's sha256. */
export interface StagedFile extends RestoredFile {
  bytes: Buffer;
}

/**
 * Finds the bytes of every recorded file in git: first by blob id, then, for
 * a blob that is not in the object store, at the same path in the bundle's
 * recorded commit. Every file must match its recorded sha256. Nothing is
 * written here, so a failure leaves the working tree as it was. Throws
 * VERIFY_FAILED with one line per file that cannot be restored.
 */
export async function stageRecordedFiles(root: string, files: readonly Material[], commit: string | undefined): Promise<StagedFile[]> {
  const blobs = await readBlobs(root, files.map((file) => file.gitBlob));
  const staged: StagedFile[] = [];
  const problems: string[] = [];

  for (const file of files) {
    const outcome = await stageOne(root, file, blobs, commit);

    if (typeof outcome === 'string') {
      problems.push(`${file.path}: ${outcome}`);
    } else {
      staged.push(outcome);
    }
  }

  if (problems.length > 0) {
    const count = problems.length === 1 ? 'a recorded file' : `${problems.length} recorded files`;

    throw new ProofgateError('VERIFY_FAILED', `cannot restore ${count} from git, so nothing was changed`, { details: problems });
  }

  return staged;
}

/**
 * Returns why a path recorded in a bundle must not be written, or undefined
 * when it is a plain relative path inside the project. A bundle is signed,
 * but this check keeps a bad record from writing outside the work tree or
 * into `.git`.
 */
export function findPathProblem(file: string): string | undefined {
  if (file === '' || path.posix.isAbsolute(file) || /^[A-Za-z]:/.test(file) || /[\\\0]/.test(file)) {
    return 'is not a relative project path with forward slashes';
  }

  const segments = file.split('/');

  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'contains an empty, "." or ".." segment';
  }

  if (segments.some((segment) => segment.toLowerCase() === '.git')) {
    return 'points into the .git folder';
  }

  return undefined;
}

async function stageOne(
  root: string,
  file: Material,
  blobs: ReadonlyMap<string, Buffer>,
  commit: string | undefined,
): Promise<StagedFile | string> {
  const pathProblem = findPathProblem(file.path);

  if (pathProblem !== undefined) {
    return `the recorded path ${pathProblem}`;
  }

  const fromBlob = blobs.get(file.gitBlob);

  if (fromBlob !== undefined) {
    return matchDigest(file, fromBlob, 'blob') ?? `blob ${file.gitBlob.slice(0, 12)} does not hash to the recorded sha256 ${file.sha256.slice(0, 12)}`;
  }

  const blobNote = isObjectId(file.gitBlob) ? `blob ${file.gitBlob.slice(0, 12)} is not in the object store` : `the recorded blob id "${file.gitBlob}" is not a git object id`;

  if (commit === undefined) {
    return `${blobNote}, and the bundle records no commit to read it from`;
  }

  const fromCommit = await readFileAtCommit(root, commit, file.path);

  if (fromCommit === undefined) {
    return `${blobNote}, and commit ${commit.slice(0, 12)} is not in the repository or has no such file (fetch it, e.g. git fetch origin ${commit})`;
  }

  return matchDigest(file, fromCommit, 'commit') ?? `${blobNote}, and the file in commit ${commit.slice(0, 12)} has sha256 ${sha256Hex(fromCommit).slice(0, 12)}, not the recorded ${file.sha256.slice(0, 12)}`;
}

function matchDigest(file: Material, bytes: Buffer, source: RestoredFile['source']): StagedFile | undefined {
  if (sha256Hex(bytes) !== file.sha256) {
    return undefined;
  }

  return { path: file.path, sha256: file.sha256, gitBlob: file.gitBlob, source, bytes };
}
