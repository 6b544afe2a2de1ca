import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { defaultApprovalPolicy, parseApprovalPolicy, parseValuePath } from '../../src/approval/policy.js';
import { loadPipeline } from '../../src/config/load.js';
import { ProofgateError } from '../../src/errors.js';
import { catchError, catchRejection } from '../bundle/fixtures.js';
import { createProject, type TempProject } from '../helpers/project.js';

const WHERE = { root: '/repo', baseDir: '/repo/pipelines', source: 'pipeline.yaml' };

describe('parseApprovalPolicy', () => {
  it('fills the defaults', () => {
    expect(parseApprovalPolicy({}, WHERE)).toEqual({
      required: 1,
      trust: path.join('/repo', '.proofgate/allowed_signers'),
      whenChanged: [],
      accept: ['signature'],
      declared: true,
    });
  });

  it('resolves trust from the pipeline folder', () => {
    expect(parseApprovalPolicy({ trust: 'keys/allowed' }, WHERE).trust).toBe(path.join('/repo/pipelines', 'keys/allowed'));
  });

  it('reads every field', () => {
    const policy = parseApprovalPolicy({ required: 2, when_changed: ['config.prompt'], accept: ['platform', 'signature', 'platform'] }, WHERE);

    expect(policy.required).toBe(2);
    expect(policy.whenChanged).toEqual(['config.prompt']);
    expect(policy.accept).toEqual(['platform', 'signature']);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['a list', [], 'must be a mapping'],
    ['a negative count', { required: -1 }, 'required must be a whole number'],
    ['a fractional count', { required: 1.5 }, 'required must be a whole number'],
    ['an unknown method', { accept: ['email'] }, 'accept must be a non-empty list'],
    ['a misspelt path', { when_changed: ['confg.prompt'] }, 'when_changed entry "confg.prompt" does not start with a pipeline.yaml key'],
    ['an empty trust path', { trust: '' }, 'trust must be the path'],
  ];

  for (const [label, raw, fragment] of invalid) {
    it(`rejects ${label}`, () => {
      const error = catchError(() => parseApprovalPolicy(raw, WHERE));

      expect((error as ProofgateError).code).toBe('CONFIG_INVALID');
      expect((error as Error).message).toContain(`pipeline.yaml: approval: ${fragment}`);
    });
  }

  it('defaults to one approval', () => {
    expect(defaultApprovalPolicy('/repo')).toMatchObject({ required: 1, declared: false, trust: path.join('/repo', '.proofgate/allowed_signers') });
  });
});

describe('parseValuePath', () => {
  it('splits dots and indexes', () => {
    expect(parseValuePath('target.openai.messages[0].content')).toEqual(['target', 'openai', 'messages', '0', 'content']);
  });
});

describe('approval in pipeline.yaml', () => {
  let project: TempProject | undefined;
  afterEach(() => project?.remove());

  const PIPELINE = (approval: string) => `name: faq
target: { exec: { command: [node, app.js] } }
config: { prompt: file:prompt.md }
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}" }
${approval}
`;

  function write(approval: string): TempProject {
    project = createProject({ 'pipeline.yaml': PIPELINE(approval), 'prompt.md': 'Hi\n', 'app.js': '', 'cases.jsonl': '{"id":"1","answer":"a"}\n' });
    return project;
  }

  it('loads the policy', async () => {
    const dir = write('approval: { required: 2, when_changed: [config.prompt], accept: [signature, platform] }').dir;

    const pipeline = await loadPipeline('pipeline.yaml', dir);

    expect(pipeline.approval).toMatchObject({ required: 2, whenChanged: ['config.prompt'], accept: ['signature', 'platform'], declared: true });
  });

  it('leaves it undefined without a block', async () => {
    expect((await loadPipeline('pipeline.yaml', write('').dir)).approval).toBeUndefined();
  });

  it('rejects unknown keys', async () => {
    const error = await catchRejection(loadPipeline('pipeline.yaml', write('approval: { reviewers: 2 }').dir));

    expect((error as ProofgateError).details.join('\n')).toMatch(/pipeline\.yaml:7:\d+: approval\.reviewers: unknown property "reviewers"; allowed here: required, trust, when_changed, accept/);
  });

  it('rejects a bad method', async () => {
    const error = await catchRejection(loadPipeline('pipeline.yaml', write('approval: { accept: [email] }').dir));

    expect((error as ProofgateError).details.join('\n')).toContain('approval.accept[0]: must be one of "signature", "platform"');
  });

  it('rejects a misspelt path with its line', async () => {
    const error = await catchRejection(loadPipeline('pipeline.yaml', write('approval:\n  when_changed: [confg.prompt]').dir));

    expect((error as ProofgateError).details.join('\n')).toMatch(/pipeline\.yaml:\d+:\d+: approval: when_changed entry "confg\.prompt" does not start with a pipeline\.yaml key/);
  });

  it('rejects a path with spaces', async () => {
    const error = await catchRejection(loadPipeline('pipeline.yaml', write('approval: { when_changed: ["config. prompt"] }').dir));

    expect((error as ProofgateError).details.join('\n')).toContain('a YAML path such as "config.prompt"');
  });
});
