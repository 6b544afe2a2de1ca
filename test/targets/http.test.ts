import { afterEach, describe, expect, it, vi } from 'vitest';
import { postJson, redact, type PostJsonOptions, type RetryEvent } from '../../src/targets/http.js';
import { CaseError, TargetUnavailableError } from '../../src/targets/target.js';
import { closedPort, sendJson, startServer, type LoopbackServer } from './loopback-server.js';

let server: LoopbackServer | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/** Options with a sleep that records the requested delays instead of waiting. */
function recordingOptions(overrides: Partial<PostJsonOptions> = {}): {
  options: PostJsonOptions;
  delays: number[];
  retries: RetryEvent[];
} {
  const delays: number[] = [];
  const retries: RetryEvent[] = [];
  const options: PostJsonOptions = {
    headers: {},
    timeoutMs: 5_000,
    maxRetries: 3,
    retryMaxDelayMs: 30_000,
    retryAfterCapMs: 60_000,
    signal: new AbortController().signal,
    secrets: [],
    onRetry: (event) => retries.push(event),
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...overrides,
  };
  return { options, delays, retries };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('redact', () => {
  it('replaces every occurrence', () => {
    expect(redact('key sk-1 and again sk-1.', ['sk-1'])).toBe('key *** and again ***.');
  });

  it('ignores empty secrets', () => {
    expect(redact('nothing secret', ['', 'absent'])).toBe('nothing secret');
  });
});

describe('postJson', () => {
  it('returns status and parsed JSON', async () => {
    server = await startServer((_request, response) => sendJson(response, 200, { ok: true }));
    const { options } = recordingOptions({ headers: { 'x-test': 'yes' } });

    const response = await postJson(`${server.url}/echo`, { question: 'hi' }, options);

    expect(response).toEqual({ status: 200, json: { ok: true } });
    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(server.requests[0]?.headers['x-test']).toBe('yes');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ question: 'hi' });
  });

  it('honours Retry-After on 429', async () => {
    server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 429, { error: { message: 'slow down' } }, { 'retry-after': '1' });
      else sendJson(response, 200, { ok: true });
    });
    const { options, delays, retries } = recordingOptions();

    const response = await postJson(server.url, {}, options);

    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([1_000]);
    expect(retries).toEqual([{ attempt: 1, delayMs: 1_000, reason: 'HTTP 429' }]);
  });

  it('caps an HTTP-date Retry-After', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 503, {}, { 'retry-after': inAnHour });
      else sendJson(response, 200, {});
    });
    const { options, delays } = recordingOptions({ retryAfterCapMs: 2_500 });

    await postJson(server.url, {}, options);

    expect(delays).toEqual([2_500]);
  });

  it('backs off exponentially up to the cap', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    server = await startServer((_request, response, index) => {
      if (index < 4) sendJson(response, 502, {});
      else sendJson(response, 200, {});
    });
    const { options, delays } = recordingOptions({ maxRetries: 4, retryBaseMs: 100, retryMaxDelayMs: 300 });

    await postJson(server.url, {}, options);

    expect(delays).toEqual([100, 200, 300, 300]);
  });

  it('applies full jitter below the ceiling', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 500, {});
      else sendJson(response, 200, {});
    });
    const { options, delays } = recordingOptions();

    await postJson(server.url, {}, options);

    expect(delays).toEqual([125]);
  });

  it('gives up on persistent 500', async () => {
    server = await startServer((_request, response) => sendJson(response, 500, { error: { message: 'boom' } }));
    const { options, delays } = recordingOptions({ maxRetries: 2 });

    const error = await failureOf(postJson(server.url, {}, options));

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(error.message).toContain('failed after 3 attempts');
    expect(error.message).toContain('HTTP 500: boom');
    expect(server.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it('turns 400 into a case error', async () => {
    server = await startServer((_request, response) =>
      sendJson(response, 400, { error: { message: 'context length exceeded' } }),
    );
    const { options } = recordingOptions();

    const error = await failureOf(postJson(server.url, {}, options));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('HTTP 400');
    expect(error.message).toContain('context length exceeded');
    expect(server.requests).toHaveLength(1);
  });

  it('names the credentials on 403', async () => {
    server = await startServer((_request, response) => sendJson(response, 403, { error: 'forbidden' }));
    const { options } = recordingOptions({ credentialsSource: 'the environment variable MY_KEY' });

    const error = await failureOf(postJson(server.url, {}, options));

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(error.message).toContain('rejected the credentials');
    expect(error.message).toContain('MY_KEY');
    expect(server.requests).toHaveLength(1);
  });

  it('rejects a non-JSON success body', async () => {
    server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>login page</html>');
    });
    const { options } = recordingOptions();

    const error = await failureOf(postJson(server.url, {}, options));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('not JSON');
    expect(error.message).toContain('login page');
  });

  it('redacts secrets from error bodies', async () => {
    const secret = 'sk-test-0123456789';
    server = await startServer((request, response) =>
      sendJson(response, 422, { error: { message: `bad header ${request.headers['x-key']}` } }),
    );
    const { options } = recordingOptions({ headers: { 'x-key': secret }, secrets: [secret] });

    const error = await failureOf(postJson(server.url, {}, options));

    expect(error.message).toContain('bad header ***');
    expect(error.message).not.toContain(secret);
  });

  it('times out a slow server', async () => {
    server = await startServer(() => {
      // Never responds; the client must give up on its own.
    });
    const { options, retries } = recordingOptions({ timeoutMs: 100, maxRetries: 1 });

    const error = await failureOf(postJson(server.url, {}, options));

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(error.message).toContain('timed out after 100 ms');
    expect(server.requests).toHaveLength(2);
    expect(retries[0]?.reason).toBe('timed out after 100 ms');
  });

  it('retries a refused connection', async () => {
    const port = await closedPort();
    const { options, retries } = recordingOptions({ maxRetries: 2 });

    const error = await failureOf(postJson(`http://127.0.0.1:${port}/v1`, {}, options));

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('failed after 3 attempts');
    expect(retries.map((event) => event.attempt)).toEqual([1, 2]);
  });

  it('stops at once when aborted', async () => {
    server = await startServer(() => {
      // Never responds, so only the abort can end the request.
    });
    const controller = new AbortController();
    const reason = new Error('run interrupted');
    const { options, retries } = recordingOptions({ signal: controller.signal });

    const pending = failureOf(postJson(server.url, {}, options));
    await vi.waitFor(() => expect(server?.requests).toHaveLength(1));
    controller.abort(reason);

    expect(await pending).toBe(reason);
    expect(retries).toHaveLength(0);
  });

  it('aborts the wait between retries', async () => {
    server = await startServer((_request, response) => sendJson(response, 429, {}, { 'retry-after': '60' }));
    const controller = new AbortController();
    const reason = new Error('run interrupted');
    const options: PostJsonOptions = {
      ...recordingOptions().options,
      signal: controller.signal,
      sleep: undefined,
      onRetry: () => controller.abort(reason),
    };

    const error = await failureOf(postJson(server.url, {}, options));

    expect(error).toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects an invalid URL', async () => {
    const { options } = recordingOptions();

    const error = await failureOf(postJson('not a url', {}, options));

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(error.message).toContain('invalid URL');
  });
});
