import { afterEach, describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { TemplateError } from '../../src/template.js';
import type { TargetContext } from '../../src/targets/index.js';
import { createOpenAITarget, type OpenAITargetSpec } from '../../src/targets/openai.js';
import { CaseError, TargetUnavailableError, type TargetRequest } from '../../src/targets/target.js';
import { sendJson, startServer, type LoopbackServer } from './loopback-server.js';

const KEY_VARIABLE = 'PROOFGATE_TEST_KEY';
const KEY = 'sk-proofgate-test-9f8e7d6c5b4a';

let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function makeContext(overrides: Partial<TargetContext> = {}): TargetContext {
  return {
    baseDir: '/project',
    env: { [KEY_VARIABLE]: KEY },
    readFile: (reference) => {
      throw new Error(`unexpected readFile(${reference})`);
    },
    resolvePath: (relative) => `/project/${relative}`,
    ...overrides,
  };
}

function makeRequest(vars: Record<string, unknown>, id = 'case-1'): TargetRequest {
  return { case: { id, index: 0, vars }, config: {}, signal: new AbortController().signal };
}

function completion(content: string | null, usage?: Record<string, number>): unknown {
  return {
    model: 'test-model-2024',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    ...(usage === undefined ? {} : { usage }),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

async function serveCompletion(body: unknown = completion('Paris')): Promise<LoopbackServer> {
  server = await startServer((_request, response) => sendJson(response, 200, body));
  return server;
}

describe('createOpenAITarget', () => {
  it('sends rendered messages and params', async () => {
    const { url, requests } = await serveCompletion();
    const spec: OpenAITargetSpec = {
      model: 'test-model',
      base_url: `${url}/v1/`,
      api_key_env: KEY_VARIABLE,
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Capital of {{country}}? ({{meta.lang}})' },
      ],
      temperature: 0,
      max_tokens: 50,
      seed: 7,
      params: { response_format: { type: 'text' } },
    };
    const target = createOpenAITarget(spec, makeContext());

    const result = await target.call(makeRequest({ country: 'France', meta: { lang: 'en' } }));

    expect(result.output).toBe('Paris');
    expect(requests[0]?.path).toBe('/v1/chat/completions');
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Capital of France? (en)' },
      ],
      temperature: 0,
      max_tokens: 50,
      seed: 7,
      response_format: { type: 'text' },
    });
  });

  it('loads a file prompt once', async () => {
    const { url, requests } = await serveCompletion();
    const references: string[] = [];
    const context = makeContext({
      readFile: (reference) => {
        references.push(reference);
        return 'Question: {{q}}';
      },
    });
    const target = createOpenAITarget({ model: 'm', base_url: url, prompt: 'file:prompts/ask.md' }, context);

    await target.call(makeRequest({ q: 'one' }));
    await target.call(makeRequest({ q: 'two' }));

    expect(references).toEqual(['file:prompts/ask.md']);
    expect(JSON.parse(requests[1]?.body ?? '').messages).toEqual([{ role: 'user', content: 'Question: two' }]);
  });

  it('maps usage and prices it', async () => {
    const { url } = await serveCompletion(completion('ok', { prompt_tokens: 2_000, completion_tokens: 100 }));
    const spec: OpenAITargetSpec = {
      model: 'm',
      base_url: url,
      prompt: 'hi',
      pricing: { input_per_million: 2.5, output_per_million: 10 },
    };
    const target = createOpenAITarget(spec, makeContext());

    const result = await target.call(makeRequest({}));

    expect(result.usage).toEqual({ input_tokens: 2_000, output_tokens: 100 });
    expect(result.cost_usd).toBeCloseTo(0.006, 12);
    expect(result.metadata).toEqual({ model: 'test-model-2024', finish_reason: 'stop' });
  });

  it('rejects an empty completion', async () => {
    const { url } = await serveCompletion(completion(null));
    const target = createOpenAITarget({ model: 'm', base_url: url, prompt: 'hi' }, makeContext());

    const error = await failureOf(target.call(makeRequest({}, 'q-17')));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('"q-17"');
    expect(error.message).toContain('choices[0].message.content');
  });

  it('sends no key to custom servers', async () => {
    const { url, requests } = await serveCompletion();
    const context = makeContext({ env: { OPENAI_API_KEY: 'sk-should-not-be-sent' } });
    const target = createOpenAITarget({ model: 'm', base_url: url, prompt: 'hi' }, context);

    await target.call(makeRequest({}));

    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it('requires the default key variable', () => {
    const create = (): unknown => createOpenAITarget({ model: 'm', prompt: 'hi' }, makeContext({ env: {} }));

    expect(create).toThrow(ProofgateError);
    expect(create).toThrow(/OPENAI_API_KEY is not set/);
  });

  it('requires a non-empty named key', () => {
    const context = makeContext({ env: { [KEY_VARIABLE]: '' } });
    const spec: OpenAITargetSpec = { model: 'm', base_url: 'http://127.0.0.1:9', api_key_env: KEY_VARIABLE, prompt: 'hi' };

    let error: unknown;
    try {
      createOpenAITarget(spec, context);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).code).toBe('CONFIG_INVALID');
    expect((error as ProofgateError).message).toContain(KEY_VARIABLE);
  });

  it('needs exactly one of messages and prompt', () => {
    const both: OpenAITargetSpec = { model: 'm', base_url: 'http://127.0.0.1:9', prompt: 'a', messages: [{ role: 'user', content: 'b' }] };
    const neither: OpenAITargetSpec = { model: 'm', base_url: 'http://127.0.0.1:9' };

    expect(() => createOpenAITarget(both, makeContext())).toThrow(/exactly one of messages and prompt/);
    expect(() => createOpenAITarget(neither, makeContext())).toThrow(/exactly one of messages and prompt/);
  });

  it('rejects a base_url that is not http', () => {
    const spec: OpenAITargetSpec = { model: 'm', base_url: 'ftp://example.test', prompt: 'hi' };

    expect(() => createOpenAITarget(spec, makeContext())).toThrow(/not an http:\/\/ or https:\/\/ URL/);
  });

  it('propagates a missing template field', async () => {
    const { url, requests } = await serveCompletion();
    const target = createOpenAITarget({ model: 'm', base_url: url, prompt: 'Hi {{name}}' }, makeContext());

    const error = await failureOf(target.call(makeRequest({})));

    expect(error).toBeInstanceOf(TemplateError);
    expect(requests).toHaveLength(0);
  });

  it('reports retries with the case id', async () => {
    server = await startServer((_request, response, index) => {
      if (index === 0) sendJson(response, 429, {}, { 'retry-after': '0' });
      else sendJson(response, 200, completion('late'));
    });
    const events: Array<{ caseId: string; attempt: number; delayMs: number }> = [];
    const context = makeContext({ onRetry: ({ caseId, attempt, delayMs }) => events.push({ caseId, attempt, delayMs }) });
    const target = createOpenAITarget({ model: 'm', base_url: server.url, prompt: 'hi' }, context);

    const result = await target.call(makeRequest({}, 'retry-me'));

    expect(result.output).toBe('late');
    expect(events).toEqual([{ caseId: 'retry-me', attempt: 1, delayMs: 0 }]);
  });

  it('names the variable on 401', async () => {
    server = await startServer((_request, response) =>
      sendJson(response, 401, { error: { message: 'Incorrect API key provided' } }),
    );
    const spec: OpenAITargetSpec = { model: 'm', base_url: server.url, api_key_env: KEY_VARIABLE, prompt: 'hi' };
    const target = createOpenAITarget(spec, makeContext());

    const error = await failureOf(target.call(makeRequest({})));

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(error.message).toContain(KEY_VARIABLE);
    expect(error.message).toContain('Incorrect API key provided');
    expect(error.message).not.toContain(KEY);
  });

  it('never leaks an echoed key', async () => {
    const statuses = [400, 401, 403, 404, 500];
    for (const status of statuses) {
      server = await startServer((request, response) =>
        sendJson(response, status, { error: { message: `you sent ${request.headers.authorization}` } }),
      );
      const spec: OpenAITargetSpec = {
        model: 'm',
        base_url: `${server.url}/${KEY}`,
        api_key_env: KEY_VARIABLE,
        prompt: 'hi',
        max_retries: 0,
      };
      const target = createOpenAITarget(spec, makeContext());

      const error = await failureOf(target.call(makeRequest({})));

      expect(error.message, `HTTP ${status}`).toContain('you sent Bearer ***');
      expect(error.message, `HTTP ${status}`).not.toContain(KEY);
      await server.close();
      server = undefined;
    }
  });
});
