import { createHash } from 'node:crypto';

/** Computes the object id git gives these bytes as a blob (`git hash-object`), without running git. */
export function gitBlobId(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}
