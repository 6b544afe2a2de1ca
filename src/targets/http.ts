// The only module that calls fetch. It owns the per-request timeout, the retry
// rules (which failures are transient and how long to wait) and the redaction
// of secrets from every message it builds.

import { CaseError, TargetUnavailableError } from './target.js';

/** One retry about to be made; `attempt` is 1 for the first retry. */
export interface RetryEvent {
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface PostJsonOptions {
  /** Extra request headers; content-type and accept default to JSON. */
  headers: Record<string, string>;
  /** Time limit in ms for one attempt, from sending the request to reading the whole body. */
  timeoutMs: number;
  /** Retries after the first attempt, so at most maxRetries + 1 requests are sent. */
  maxRetries: number;
  /** Backoff before the first retry in ms, doubled for each further retry; default 500. */
  retryBaseMs?: number;
  /** Upper bound in ms of the exponential backoff before jitter. */
  retryMaxDelayMs: number;
  /** Upper bound in ms of a wait requested by a Retry-After header. */
  retryAfterCapMs: number;
  /** Aborts the request and any wait between retries; the promise then rejects with the signal's reason. */
  signal: AbortSignal;
  /** Values replaced by `***` in every error message, such as the API key. */
  secrets: string[];
  /** Names where the credentials come from (`the environment variable OPENAI_API_KEY`) for a 401 or 403 message. */
  credentialsSource?: string;
  onRetry?: (event: RetryEvent) => void;
  /** Waits between retries; replaced in tests to record delays instead of waiting. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface JsonResponse {
  status: number;
  json: unknown;
}

const DEFAULT_RETRY_BASE_MS = 500;
const EXCERPT_MAX_CHARS = 300;
const REDACTED = '***';

/** The result of one request: a response with any status, or a failure worth retrying. */
type Attempt =
  | { kind: 'response'; status: number; retryAfter: string | null; text: string }
  | { kind: 'failure'; reason: string };

/** Replaces every occurrence of each non-empty secret in `text` with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== '') result = result.split(secret).join(REDACTED);
  }

  return result;
}

/**
 * POSTs `body` as JSON and returns the parsed JSON of a 2xx response. Retries
 * 429, 5xx, connection failures and timeouts with exponential backoff and full
 * jitter, or for as long as a Retry-After header requests (up to retryAfterCapMs).
 * Throws TargetUnavailableError when every attempt failed or the server
 * rejected the credentials (401, 403), and CaseError for any other status or a
 * 2xx body that is not JSON.
 */
export async function postJson(url: string, body: unknown, options: PostJsonOptions): Promise<JsonResponse> {
  checkUrl(url, options.secrets);
  const payload = JSON.stringify(body);
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
  const sleep = options.sleep ?? sleepUnlessAborted;

  for (let attempt = 1; ; attempt += 1) {
    options.signal.throwIfAborted();
    const outcome = await sendOnce(url, payload, headers, options);

    if (outcome.kind === 'response' && isSuccess(outcome.status)) {
      return { status: outcome.status, json: parseJsonBody(url, outcome, options.secrets) };
    }

    if (outcome.kind === 'response' && !isRetryableStatus(outcome.status)) {
      throw rejectionError(url, outcome, options);
    }

    const reason = outcome.kind === 'response' ? `HTTP ${outcome.status}` : outcome.reason;
    if (attempt > options.maxRetries) throw exhaustedError(url, outcome, reason, attempt, options.secrets);

    const delayMs = retryDelay(outcome, attempt, options);
    options.onRetry?.({ attempt, delayMs, reason: redact(reason, options.secrets) });
    await sleep(delayMs, options.signal);
  }
}

function checkUrl(url: string, secrets: readonly string[]): void {
  if (URL.canParse(url)) return;

  throw new TargetUnavailableError(redact(`invalid URL "${url}": use an absolute http:// or https:// URL`, secrets));
}

// A local controller joins the caller's signal and the timeout, because it can
// be released as soon as the attempt ends; AbortSignal.timeout keeps a timer
// and a signal alive for the whole timeout even after the response arrived.
async function sendOnce(
  url: string,
  payload: string,
  headers: Record<string, string>,
  options: PostJsonOptions,
): Promise<Attempt> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const forwardAbort = (): void => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', forwardAbort, { once: true });

  try {
    const response = await fetch(url, { method: 'POST', headers, body: payload, signal: controller.signal });
    const text = await response.text();
    return { kind: 'response', status: response.status, retryAfter: response.headers.get('retry-after'), text };
  } catch (error) {
    options.signal.throwIfAborted();
    if (timedOut) return { kind: 'failure', reason: `timed out after ${options.timeoutMs} ms` };
    return { kind: 'failure', reason: describeNetworkError(error) };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', forwardAbort);
  }
}

// fetch reports every network failure as TypeError("fetch failed") and keeps
// the useful part (ECONNREFUSED, ENOTFOUND, a socket error) in `cause`.
function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  if (typeof code === 'string') return `connection failed (${code})`;

  const message = cause instanceof Error ? cause.message : String(cause);
  return `connection failed (${message})`;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status < 600);
}

function parseJsonBody(url: string, outcome: { status: number; text: string }, secrets: readonly string[]): unknown {
  try {
    return JSON.parse(outcome.text);
  } catch {
    const message = `POST ${url} returned HTTP ${outcome.status} with a body that is not JSON: ${excerpt(outcome.text, secrets)}`;
    throw new CaseError(redact(message, secrets));
  }
}

function rejectionError(url: string, outcome: { status: number; text: string }, options: PostJsonOptions): Error {
  const detail = errorExcerpt(outcome.text, options.secrets);

  if (outcome.status === 401 || outcome.status === 403) {
    const source = options.credentialsSource ?? 'the credentials in the request headers';
    const message =
      `the server rejected the credentials (HTTP ${outcome.status} from POST ${url}): ${detail}. ` +
      `Check that ${source} holds a valid key with access to this endpoint.`;
    return new TargetUnavailableError(redact(message, options.secrets));
  }

  return new CaseError(redact(`POST ${url} failed with HTTP ${outcome.status}: ${detail}`, options.secrets));
}

function exhaustedError(
  url: string,
  outcome: Attempt,
  reason: string,
  attempts: number,
  secrets: readonly string[],
): TargetUnavailableError {
  const detail = outcome.kind === 'response' ? `${reason}: ${errorExcerpt(outcome.text, secrets)}` : reason;
  const noun = attempts === 1 ? 'attempt' : 'attempts';
  const message =
    `POST ${url} failed after ${attempts} ${noun}, last with ${detail}. ` +
    `Check that the server is running and reachable, or allow more retries.`;
  return new TargetUnavailableError(redact(message, secrets));
}

// OpenAI-compatible servers put the reason in `error.message`; others use
// `error`, `message` or `detail`, or send plain text.
function errorExcerpt(text: string, secrets: readonly string[]): string {
  let reason: unknown;
  try {
    const json = JSON.parse(text) as Record<string, unknown> | null;
    const error = json?.error;
    reason = (typeof error === 'object' && error !== null ? (error as Record<string, unknown>).message : error) ??
      json?.message ??
      json?.detail;
  } catch {
    reason = undefined;
  }

  return excerpt(typeof reason === 'string' ? reason : text, secrets);
}

// Redaction runs before truncation, because a cut could leave a prefix of a
// secret that no longer matches the whole value.
function excerpt(text: string, secrets: readonly string[]): string {
  const flat = redact(text, secrets).replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  if (flat.length <= EXCERPT_MAX_CHARS) return flat;
  return `${flat.slice(0, EXCERPT_MAX_CHARS)}…`;
}

function retryDelay(outcome: Attempt, attempt: number, options: PostJsonOptions): number {
  const requested = outcome.kind === 'response' ? parseRetryAfter(outcome.retryAfter) : undefined;
  if (requested !== undefined) return Math.min(requested, options.retryAfterCapMs);

  const base = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
  const ceiling = Math.min(options.retryMaxDelayMs, base * 2 ** (attempt - 1));
  return Math.round(Math.random() * ceiling);
}

/** Reads Retry-After as delta-seconds or an HTTP-date (RFC 9110, section 10.2.3); undefined when absent or invalid. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;

  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;

  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }

    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
