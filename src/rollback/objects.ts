import { execa } from 'execa';
import { ProofgateError } from '../errors.js';

// SHA-1 object ids, and SHA-256 ids for repositories made with --object-format=sha256.
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Checks that `id` is a full hexadecimal git object id, as bundles record them. */
export function isObjectId(id: string): boolean {
  return OBJECT_ID.test(id);
}

/**
 * Reads blobs by id from the object store with one `git cat-file --batch`.
 * An id that is missing, malformed or names something other than a blob is
 * left out of the result. The lookup ignores branches and history, so it
 * still finds content after squash merges, rebases and deleted branches, as
 * long as some commit or the reflog keeps the blob from garbage collection.
 */
export async function readBlobs(root: string, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const wanted = [...new Set(ids.filter(isObjectId))];
  const blobs = new Map<string, Buffer>();

  if (wanted.length === 0) {
    return blobs;
  }

  const output = await runGitForBytes(['cat-file', '--batch'], root, `${wanted.join('\n')}\n`);

  for (const entry of parseBatchOutput(output)) {
    if (entry.type === 'blob') {
      blobs.set(entry.id, entry.content);
    }
  }

  return blobs;
}

/**
 * Reads the bytes that `commit` stores at the project path `file`, or
 * returns undefined when the commit or the path is not in the repository.
 */
export async function readFileAtCommit(root: string, commit: string, file: string): Promise<Buffer | undefined> {
  if (!isObjectId(commit)) {
    return undefined;
  }

  // `git cat-file blob` prints the stored bytes without textconv or filters.
  const result = await execa('git', ['cat-file', 'blob', `${commit}:${file}`], { ...gitOptions(root), stdin: 'ignore' });

  return result.exitCode === 0 ? Buffer.from(result.stdout) : undefined;
}

interface BatchEntry {
  id: string;
  type: string;
  content: Buffer;
}

// For each id, git prints "<id> <type> <size>\n<content>\n", or
// "<input> missing\n" (or "ambiguous") when it cannot find the object.
function parseBatchOutput(output: Buffer): BatchEntry[] {
  const entries: BatchEntry[] = [];
  let offset = 0;

  while (offset < output.length) {
    const lineEnd = output.indexOf(0x0a, offset);
    const header = output.subarray(offset, lineEnd < 0 ? output.length : lineEnd).toString('utf8');
    const [id = '', type = '', size] = header.split(' ');

    offset = lineEnd < 0 ? output.length : lineEnd + 1;

    if (size === undefined) {
      continue;
    }

    const end = offset + Number(size);

    entries.push({ id, type, content: output.subarray(offset, end) });
    offset = end + 1;
  }

  return entries;
}

async function runGitForBytes(args: string[], root: string, input: string): Promise<Buffer> {
  let result;

  try {
    result = await execa('git', args, { ...gitOptions(root), input });
  } catch (error) {
    throw new ProofgateError('GIT_FAILED', `could not run git: ${(error as Error).message}`, { cause: error });
  }

  if (result.exitCode !== 0) {
    const reason = Buffer.from(result.stderr).toString('utf8').trim();

    throw new ProofgateError('GIT_FAILED', `git ${args.join(' ')} failed in ${root}: ${reason}`);
  }

  return Buffer.from(result.stdout);
}

function gitOptions(root: string) {
  return {
    cwd: root,
    reject: false,
    encoding: 'buffer',
    // A file's final newline is part of its bytes and of its sha256.
    stripFinalNewline: false,
    env: { GIT_TERMINAL_PROMPT: '0' },
  } as const;
}
