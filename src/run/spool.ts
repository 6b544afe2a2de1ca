import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FLUSH_BYTES = 256 * 1024;

/**
 * Keeps per-case results on disk while a run is in progress, so memory does
 * not grow with the number of cases. Results arrive in completion order and
 * are read back in case order for the bundle. Writes are batched because one
 * system call per case costs more than scoring the case.
 */
export class CaseSpool {
  private readonly dir: string;
  private readonly file: string;
  private fd: number | undefined;
  private size = 0;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private count = 0;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly total: number) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-run-'));
    this.file = path.join(this.dir, 'cases.jsonl');
    this.grow(total);
  }

  /** Appends one case's canonical JSON. */
  append(index: number, json: string): void {
    const bytes = Buffer.from(json, 'utf8');
    this.grow(index + 1);
    this.offsets[index] = this.size;
    this.lengths[index] = bytes.byteLength;
    this.size += bytes.byteLength;
    this.count += 1;

    this.buffered.push(bytes);
    this.bufferedBytes += bytes.byteLength;
    if (this.bufferedBytes >= FLUSH_BYTES) this.flush();
  }

  get written(): number {
    return this.count;
  }

  /** Yields every case's JSON in case order. */
  async *inOrder(): AsyncGenerator<Buffer> {
    this.flush();
    this.close();

    const contents = this.count === 0 ? Buffer.alloc(0) : readFileSync(this.file);
    for (let index = 0; index < this.count; index += 1) {
      const offset = this.offsets[index] as number;
      yield contents.subarray(offset, offset + (this.lengths[index] as number));
    }
  }

  /** Deletes the temporary file; safe to call more than once. */
  async dispose(): Promise<void> {
    this.close();
    this.buffered = [];
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    if (this.bufferedBytes === 0) return;
    this.fd ??= openSync(this.file, 'a', 0o600);
    writeSync(this.fd, Buffer.concat(this.buffered, this.bufferedBytes));
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  private close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
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
