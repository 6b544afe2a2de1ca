import ora, { type Ora } from 'ora';
import type { Progress } from '../run/execute.js';

export interface ProgressDisplay {
  update(progress: Progress): void;
  stop(): void;
}

const PLAIN_INTERVAL_MS = 5000;

/**
 * Shows a spinner with counts on a terminal. Elsewhere (CI logs) it prints a
 * plain line every few seconds, because spinner frames would flood the log.
 */
export function createProgressDisplay(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv, enabled: boolean): ProgressDisplay {
  if (!enabled) return { update: () => undefined, stop: () => undefined };

  const interactive = (stream as NodeJS.WriteStream).isTTY === true && !env.CI;
  return interactive ? spinnerDisplay(stream) : plainDisplay(stream);
}

function describe(progress: Progress): string {
  const errors = progress.errors > 0 ? `, ${progress.errors} errored` : '';
  return `${progress.done}/${progress.total} cases, ${progress.failed} failed${errors}`;
}

function spinnerDisplay(stream: NodeJS.WritableStream): ProgressDisplay {
  let spinner: Ora | undefined;
  return {
    update(progress) {
      spinner ??= ora({ stream: stream as NodeJS.WriteStream, discardStdin: false }).start();
      spinner.text = describe(progress);
    },
    stop() {
      spinner?.stop();
    },
  };
}

function plainDisplay(stream: NodeJS.WritableStream): ProgressDisplay {
  let last = Date.now();
  let latest: Progress | undefined;
  return {
    update(progress) {
      latest = progress;
      const now = Date.now();
      if (now - last < PLAIN_INTERVAL_MS) return;
      last = now;
      stream.write(`proofgate: ${describe(progress)}\n`);
    },
    stop() {
      if (latest && latest.done < latest.total) stream.write(`proofgate: stopped at ${describe(latest)}\n`);
    },
  };
}
