/**
 * Runs `worker` over `items` with at most `concurrency` in flight, pulling
 * lazily so a streamed dataset is never read ahead of the workers. The first
 * error stops new work; the in-flight items settle before it is rethrown.
 */
export async function runPool<T>(items: AsyncIterable<T>, concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  let failure: { error: unknown } | undefined;
  let exhausted = false;

  // Workers share one iterator; a pending next() keeps two workers from reading the same item.
  let reading: Promise<IteratorResult<T>> = Promise.resolve({ done: false, value: undefined as T });
  const next = (): Promise<IteratorResult<T>> => {
    reading = reading.then(() => (exhausted || failure ? { done: true, value: undefined } : iterator.next()));
    return reading;
  };

  const lane = async (): Promise<void> => {
    while (!failure) {
      let step: IteratorResult<T>;
      try {
        step = await next();
      } catch (error) {
        failure ??= { error };
        return;
      }

      if (step.done) {
        exhausted = true;
        return;
      }

      try {
        await worker(step.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (failure) {
    await iterator.return?.();
    throw failure.error;
  }
}
