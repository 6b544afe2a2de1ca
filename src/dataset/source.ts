import { open, type FileHandle } from 'node:fs/promises';
import { TextDecoder } from 'node:util';

import { ProofgateError } from '../errors.js';

/** Receives every raw byte of the dataset file in order, so a caller can hash exactly what was parsed. */
export type ByteListener = (chunk: Buffer) => void;

/**
 * Streams the dataset file as text. The bytes go to `onBytes` before decoding;
 * the text is strict UTF-8 with a leading byte order mark removed.
 */
export async function* readDatasetChunks(path: string, displayPath: string, onBytes?: ByteListener): AsyncGenerator<string> {
  const handle = await openDataset(path, displayPath);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;

  try {
    for await (const chunk of readStream(handle, displayPath)) {
      onBytes?.(chunk);
      const text = decodeChunk(decoder, chunk, offset, displayPath);
      offset += chunk.length;
      if (text !== '') yield text;
    }

    const tail = decodeChunk(decoder, undefined, offset, displayPath);
    if (tail !== '') yield tail;
  } finally {
    await handle.close();
  }
}

/** Reads the whole dataset file as text, for formats that cannot be parsed piece by piece. */
export async function readDatasetText(path: string, displayPath: string, onBytes?: ByteListener): Promise<string> {
  const handle = await openDataset(path, displayPath);

  try {
    const bytes = await handle.readFile().catch((error: unknown) => {
      throw readError(error, displayPath);
    });
    onBytes?.(bytes);
    return decodeChunk(new TextDecoder('utf-8', { fatal: true }), bytes, 0, displayPath);
  } finally {
    await handle.close();
  }
}

async function openDataset(path: string, displayPath: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw openError(error, path, displayPath);
  }

  // Opening a directory for reading succeeds on Linux, so check before the first read fails obscurely.
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new ProofgateError('DATASET_INVALID', `${displayPath}: the dataset path is not a regular file; point dataset.path at a file`);
  }

  return handle;
}

async function* readStream(handle: FileHandle, displayPath: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      yield chunk as Buffer;
    }
  } catch (error) {
    throw readError(error, displayPath);
  }
}

function decodeChunk(decoder: TextDecoder, chunk: Buffer | undefined, offset: number, displayPath: string): string {
  try {
    return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
  } catch (error) {
    throw new ProofgateError(
      'DATASET_INVALID',
      `${displayPath}: the file is not valid UTF-8 (after byte ${offset}); save it with UTF-8 encoding`,
      { cause: error },
    );
  }
}

function openError(error: unknown, path: string, displayPath: string): ProofgateError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new ProofgateError('DATASET_INVALID', `${displayPath}: dataset file not found (looked for ${path}); check dataset.path`, { cause: error });
  }

  if (code === 'EACCES' || code === 'EPERM') {
    return new ProofgateError('DATASET_INVALID', `${displayPath}: permission denied when opening the dataset file`, { cause: error });
  }

  return readError(error, displayPath);
}

function readError(error: unknown, displayPath: string): ProofgateError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ProofgateError('DATASET_INVALID', `${displayPath}: cannot read the dataset file: ${reason}`, { cause: error });
}
