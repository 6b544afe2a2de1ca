import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Keeps per-case results on disk while a run is in progress, so memory does
 * not grow with the number of cases. Results arrive in completion order and
 * are read back in case order for the bundle.
 */
export class CaseSpool {
  private readonly dir: string;
  private readonly file: string;
  private handle: FileHandle | undefined;
  private size = 0;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private count = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly total: number) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-run-'));
    this.file = path.join(this.dir, 'cases.jsonl');
    this.grow(total);
  }

  /** Appends one case's canonical JSON; writes are serialized in call order. */
  append(index: number, json: string): Promise<void> {
    const bytes = Buffer.from(json, 'utf8');
    this.grow(index + 1);
    this.offsets[index] = this.size;
    this.lengths[index] = bytes.byteLength;
    this.size += bytes.byteLength;
    this.count += 1;

    const write = this.pending.then(async () => {
      this.handle ??= await open(this.file, 'a', 0o600);
      await this.handle.write(bytes);
    });
    this.pending = write.catch(() => undefined);
    return write;
  }

  get written(): number {
    return this.count;
  }

  /** Yields every case's JSON in case order. Call after the last append settled. */
  async *inOrder(): AsyncGenerator<Buffer> {
    await this.pending;
    await this.handle?.close();
    this.handle = undefined;

    const contents = this.count === 0 ? Buffer.alloc(0) : await readFile(this.file);
    for (let index = 0; index < this.count; index += 1) {
      const offset = this.offsets[index] as number;
      yield contents.subarray(offset, offset + (this.lengths[index] as number));
    }
  }

  /** Deletes the temporary file; safe to call more than once. */
  async dispose(): Promise<void> {
    await this.pending;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private grow(needed: number): void {
    if (needed <= this.offsets.length) return;
    const capacity = Math.max(needed, this.offsets.length * 2, this.total);
    const offsets = new Float64Array(capacity);
    offsets.set(this.offsets);
    const lengths = new Uint32Array(capacity);
    lengths.set(this.lengths);
    this.offsets = offsets;
    this.lengths = lengths;
  }
}
