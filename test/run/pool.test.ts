import { describe, expect, it } from 'vitest';
import { runPool } from '../../src/run/pool.js';
import { CaseSpool } from '../../src/run/spool.js';

async function* numbers(count: number, onRead?: (value: number) => void): AsyncGenerator<number> {
  for (let value = 0; value < count; value += 1) {
    onRead?.(value);
    yield value;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('runPool', () => {
  it('never exceeds the concurrency', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];

    await runPool(numbers(50), 4, async (value) => {
      running += 1;
      peak = Math.max(peak, running);
      await tick();
      running -= 1;
      done.push(value);
    });

    expect(peak).toBe(4);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, index) => index));
  });

  it('reads items only as workers need them', async () => {
    let read = 0;
    let maxAhead = 0;
    let finished = 0;

    await runPool(numbers(30, () => (read += 1)), 3, async () => {
      maxAhead = Math.max(maxAhead, read - finished);
      await tick();
      finished += 1;
    });

    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('stops on the first error and rethrows it', async () => {
    const started: number[] = [];

    const run = runPool(numbers(100), 2, async (value) => {
      started.push(value);
      await tick();
      if (value === 5) throw new Error('target down');
    });

    await expect(run).rejects.toThrow('target down');
    expect(started.length).toBeLessThan(10);
  });
});

describe('CaseSpool', () => {
  it('returns records in case order', async () => {
    const spool = new CaseSpool(3);
    try {
      spool.append(2, '{"id":"c"}');
      spool.append(0, '{"id":"a"}');
      spool.append(1, '{"id":"b"}');

      const lines: string[] = [];
      for await (const line of spool.inOrder()) lines.push(line.toString());

      expect(lines).toEqual(['{"id":"a"}', '{"id":"b"}', '{"id":"c"}']);
    } finally {
      await spool.dispose();
    }
  });

  it('grows past its initial size', async () => {
    const spool = new CaseSpool(1);
    try {
      for (let index = 0; index < 3000; index += 1) spool.append(index, `{"i":${index}}`);

      let count = 0;
      for await (const line of spool.inOrder()) {
        expect(JSON.parse(line.toString()).i).toBe(count);
        count += 1;
      }

      expect(count).toBe(3000);
    } finally {
      await spool.dispose();
    }
  });
});
