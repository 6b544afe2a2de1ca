// A chat-completions call per case to any OpenAI-compatible server. Messages
// are `{{field}}` templates over the case. The API key is read once from the
// environment and kept only in the request headers, never in a message.

import { ProofgateError } from '../errors.js';
import { renderTemplate, templateFields } from '../template.js';
import { postJson, redact, type PostJsonOptions } from './http.js';
import { withComputedCost, type Pricing } from './pricing.js';
import { CaseError } from './target.js';
import type { Target, TargetRequest, TargetResult, Usage } from './target.js';
import type { TargetContext } from './index.js';

/** The `target.openai` block of pipeline.yaml. */
export interface OpenAITargetSpec {
  model: string;
  /** Default https://api.openai.com/v1. */
  base_url?: string;
  /** Name of the environment variable holding the API key (never the key itself). */
  api_key_env?: string;
  messages?: Array<{ role: string; content: string }>;
  /** Shorthand for one user message. */
  prompt?: string;
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stop?: string | string[];
  seed?: number;
  /** More request body fields, sent as given; they override the fields above. */
  params?: Record<string, unknown>;
  /** Time limit in ms for one request; default 60000. */
  timeout_ms?: number;
  /** Default 4. */
  max_retries?: number;
  /** Maximum backoff in ms between retries; default 30000. */
  retry_max_delay_ms?: number;
  /** Maximum wait in ms that a Retry-After header can request; default 60000. */
  retry_after_max_ms?: number;
  pricing?: Pricing;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_API_KEY_ENV = 'OPENAI_API_KEY';
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_RETRIES = 4;
const DEFAULT_RETRY_MAX_DELAY_MS = 30_000;
const DEFAULT_RETRY_AFTER_MAX_MS = 60_000;
const FILE_PREFIX = 'file:';

/** A message whose content is rendered per case only when it has placeholders. */
interface MessageTemplate {
  role: string;
  content: string;
  hasFields: boolean;
}

interface Credentials {
  headers: Record<string, string>;
  secrets: string[];
  source?: string;
}

/**
 * Creates a target that sends each case to `${base_url}/chat/completions`.
 * Throws ProofgateError('CONFIG_INVALID') when the spec has both or neither
 * of messages and prompt, when base_url is not a URL, or when the API key
 * variable is unset or empty.
 */
export function createOpenAITarget(spec: OpenAITargetSpec, context: TargetContext): Target {
  const buildRequest = createOpenAIRequestBuilder(spec, context);
  const credentials = readCredentials(spec, context.env);

  const httpOptions: Omit<PostJsonOptions, 'signal'> = {
    headers: credentials.headers,
    timeoutMs: spec.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    maxRetries: spec.max_retries ?? DEFAULT_MAX_RETRIES,
    retryMaxDelayMs: spec.retry_max_delay_ms ?? DEFAULT_RETRY_MAX_DELAY_MS,
    retryAfterCapMs: spec.retry_after_max_ms ?? DEFAULT_RETRY_AFTER_MAX_MS,
    secrets: credentials.secrets,
    credentialsSource: credentials.source,
  };

  async function call(request: TargetRequest): Promise<TargetResult> {
    const caseId = request.case.id;
    const { url, body } = buildRequest(request.case.vars);

    const onRetry = context.onRetry;
    const response = await postJson(url, body, {
      ...httpOptions,
      signal: request.signal,
      onRetry: onRetry === undefined ? undefined : (event) => onRetry({ caseId, ...event }),
    });

    const completion = readCompletion(response.json, caseId);
    // A server that echoes the request back would otherwise carry the key into
    // the report, the cache and every CI summary.
    completion.output = redact(completion.output as string, credentials.secrets);
    return withComputedCost(completion, spec.pricing);
  }

  return { kind: 'openai', call };
}

/** The chat-completions request for one case, without credentials. */
export interface OpenAIRequest {
  url: string;
  body: Record<string, unknown>;
}

/**
 * Returns the function that builds each case's request, so that the target
 * and the response cache key both derive from the same rendered messages and
 * parameters. Throws CONFIG_INVALID for the spec problems createOpenAITarget
 * reports, except a missing API key.
 */
export function createOpenAIRequestBuilder(
  spec: OpenAITargetSpec,
  context: Pick<TargetContext, 'readFile'>,
): (vars: Record<string, unknown>) => OpenAIRequest {
  const templates = loadMessages(spec, context);
  const url = `${readBaseUrl(spec.base_url)}/chat/completions`;
  const parameters = requestParameters(spec);

  return (vars) => ({ url, body: { model: spec.model, messages: renderMessages(templates, vars), ...parameters } });
}

function loadMessages(spec: OpenAITargetSpec, context: Pick<TargetContext, 'readFile'>): MessageTemplate[] {
  const hasMessages = spec.messages !== undefined;
  const hasPrompt = spec.prompt !== undefined;
  if (hasMessages === hasPrompt) {
    throw new ProofgateError(
      'CONFIG_INVALID',
      'target.openai needs exactly one of messages and prompt: use prompt for a single user message, messages for a conversation',
    );
  }

  const messages = spec.messages ?? [{ role: 'user', content: spec.prompt as string }];
  return messages.map(({ role, content }) => {
    const text = content.startsWith(FILE_PREFIX) ? context.readFile(content) : content;
    return { role, content: text, hasFields: templateFields(text).length > 0 };
  });
}

function readBaseUrl(baseUrl: string | undefined): string {
  const value = baseUrl ?? DEFAULT_BASE_URL;
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) {
    throw new ProofgateError(
      'CONFIG_INVALID',
      `target.openai.base_url "${value}" is not an http:// or https:// URL, such as https://api.openai.com/v1`,
    );
  }

  return value.replace(/\/+$/, '');
}

// The public API always needs a key, so it falls back to OPENAI_API_KEY. A
// custom server without api_key_env is taken to need no key, as local servers
// such as vLLM or Ollama usually do.
function readCredentials(spec: OpenAITargetSpec, env: NodeJS.ProcessEnv): Credentials {
  const variable = spec.api_key_env ?? (spec.base_url === undefined ? DEFAULT_API_KEY_ENV : undefined);
  if (variable === undefined) return { headers: {}, secrets: [] };

  const key = env[variable];
  if (key === undefined || key === '') {
    const hint =
      spec.api_key_env === undefined ? `, or set target.openai.api_key_env to the variable that holds it` : '';
    throw new ProofgateError(
      'CONFIG_INVALID',
      `the environment variable ${variable} is not set or empty, but the openai target reads its API key from it. ` +
        `Export the key in ${variable}${hint}.`,
    );
  }

  return {
    headers: { authorization: `Bearer ${key}` },
    secrets: [key],
    source: `the environment variable ${variable}`,
  };
}

function requestParameters(spec: OpenAITargetSpec): Record<string, unknown> {
  const named: Record<string, unknown> = {
    temperature: spec.temperature,
    max_tokens: spec.max_tokens,
    top_p: spec.top_p,
    stop: spec.stop,
    seed: spec.seed,
  };
  const parameters: Record<string, unknown> = {};
  for (const [name, value] of Object.entries({ ...named, ...spec.params })) {
    if (value !== undefined) parameters[name] = value;
  }

  return parameters;
}

/** Renders every message over the case; a missing field throws TemplateError. */
function renderMessages(templates: readonly MessageTemplate[], vars: Record<string, unknown>): Array<{ role: string; content: string }> {
  return templates.map(({ role, content, hasFields }) => ({
    role,
    content: hasFields ? renderTemplate(content, vars) : content,
  }));
}

function readCompletion(json: unknown, caseId: string): TargetResult {
  const response = asRecord(json);
  const choice = Array.isArray(response?.choices) ? asRecord(response.choices[0]) : undefined;
  const content = asRecord(choice?.message)?.content;
  const finishReason = typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined;

  if (typeof content !== 'string' || content === '') {
    const reason = finishReason === undefined ? '' : ` (finish_reason: ${finishReason})`;
    throw new CaseError(`case ${JSON.stringify(caseId)}: the response has no text in choices[0].message.content${reason}`);
  }

  const result: TargetResult = { output: content };
  const usage = readUsage(response?.usage);
  if (usage !== undefined) result.usage = usage;

  const metadata: Record<string, unknown> = {};
  if (typeof response?.model === 'string') metadata.model = response.model;
  if (finishReason !== undefined) metadata.finish_reason = finishReason;
  if (Object.keys(metadata).length > 0) result.metadata = metadata;

  return result;
}

// Token counts are informational, so a server that reports them oddly costs
// the case its usage rather than its output.
function readUsage(value: unknown): Usage | undefined {
  const usage = asRecord(value);
  if (usage === undefined) return undefined;

  const result: Usage = {};
  if (isCount(usage.prompt_tokens)) result.input_tokens = usage.prompt_tokens;
  if (isCount(usage.completion_tokens)) result.output_tokens = usage.completion_tokens;
  return Object.keys(result).length > 0 ? result : undefined;
}

// A count beyond 2^53 cannot be signed exactly, so it is treated as not reported.
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
