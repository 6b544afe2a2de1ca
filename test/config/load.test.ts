import { afterEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load.js';
import { ProofgateError } from '../../src/errors.js';
import { createProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project.remove());

const BASE = `name: demo
target:
  exec: { command: [node, app.js] }
config:
  prompt: file:prompt.md
  top_k: 3
materials: [lib/*.js]
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}" }
metrics:
  accuracy: mean(exact)
gates:
  - accuracy >= 0.9
`;

function files(pipeline = BASE): Record<string, string> {
  return {
    'pipeline.yaml': pipeline,
    'prompt.md': 'Be brief.\n',
    'lib/a.js': 'export const a = 1;\n',
    'lib/b.js': 'export const b = 2;\n',
    'cases.jsonl': '{"id":"1","answer":"x"}\n',
  };
}

async function loadError(pipeline: string): Promise<ProofgateError> {
  project = createProject(files(pipeline));
  const error = await loadPipeline('pipeline.yaml', project.dir).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProofgateError);
  return error as ProofgateError;
}

describe('loadPipeline', () => {
  it('resolves files, materials and defaults', async () => {
    project = createProject(files());

    const pipeline = await loadPipeline('pipeline.yaml', project.dir);

    expect(pipeline.pipelineConfig).toEqual({ prompt: 'Be brief.\n', top_k: 3 });
    expect(pipeline.materials.map((material) => material.path)).toEqual(['lib/a.js', 'lib/b.js', 'prompt.md']);
    expect(pipeline.concurrency).toBe(8);
    expect(pipeline.gates.map((gate) => gate.source)).toEqual(['accuracy >= 0.9', 'error_rate <= 0']);
    expect(pipeline.requiredFields).toEqual(['answer']);
    expect(pipeline.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('version ignores comments and layout', async () => {
    project = createProject(files());
    const first = await loadPipeline('pipeline.yaml', project.dir);

    project.write('pipeline.yaml', `# a comment\n${BASE.replace('top_k: 3', 'top_k:   3   # tuned')}`);
    const second = await loadPipeline('pipeline.yaml', project.dir);

    expect(second.version).toBe(first.version);
    expect(second.source.sha256).not.toBe(first.source.sha256);
  });

  it('version changes with a value or material', async () => {
    project = createProject(files());
    const first = await loadPipeline('pipeline.yaml', project.dir);

    project.write('lib/b.js', 'export const b = 3;\n');
    const material = await loadPipeline('pipeline.yaml', project.dir);
    project.write('pipeline.yaml', BASE.replace('top_k: 3', 'top_k: 4'));
    const value = await loadPipeline('pipeline.yaml', project.dir);

    expect(material.version).not.toBe(first.version);
    expect(value.version).not.toBe(material.version);
  });

  it('records git blob ids of materials', async () => {
    project = createProject(files(), { git: true });

    const pipeline = await loadPipeline('pipeline.yaml', project.dir);

    const { execFileSync } = await import('node:child_process');
    const expected = execFileSync('git', ['hash-object', 'prompt.md'], { cwd: project.dir, encoding: 'utf8' }).trim();
    expect(pipeline.materials.find((material) => material.path === 'prompt.md')?.gitBlob).toBe(expected);
  });

  it('reports a glob that matches nothing', async () => {
    const error = await loadError(BASE.replace('lib/*.js', 'src/*.ts'));

    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.join('\n')).toMatch(/pipeline\.yaml:7:\d+: materials\[0\]: pattern "src\/\*\.ts" matched no files/);
  });

  it('reports a missing file reference', async () => {
    const error = await loadError(BASE.replace('file:prompt.md', 'file:missing.md'));

    expect(error.details.join('\n')).toMatch(/pipeline\.yaml:5:\d+: config\.prompt: file reference "missing\.md" not found/);
  });

  it('collects several problems at once', async () => {
    const error = await loadError(BASE.replace('top_k: 3', 'top_k: 3\n  x: file:nope.md').replace('mean(exact)', 'median(exact)'));

    expect(error.details.length).toBeGreaterThanOrEqual(2);
    expect(error.details.join('\n')).toMatch(/metrics\.accuracy: /);
    expect(error.details.join('\n')).toMatch(/config\.x: /);
  });

  it('reports a bad metric once', async () => {
    const error = await loadError(BASE.replace('mean(exact)', 'meen(exact)'));

    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toMatch(/metrics\.accuracy: .*unknown function "meen"/);
  });

  it('rejects duplicate scorer names', async () => {
    const error = await loadError(BASE.replace('scorers:\n', 'scorers:\n  - { name: exact, type: json_valid }\n'));

    expect(error.details.join('\n')).toMatch(/scorers\[1\]\.name: scorer name "exact" is already used/);
  });

  it('rejects a missing pipeline file', async () => {
    project = createProject();
    const error = await loadPipeline('nope.yaml', project.dir).catch((caught: unknown) => caught);

    expect((error as ProofgateError).code).toBe('CONFIG_NOT_FOUND');
    expect((error as ProofgateError).exitCode).toBe(2);
  });

  it('rejects messages together with prompt', async () => {
    const error = await loadError(BASE.replace('  exec: { command: [node, app.js] }', '  openai: { model: m, base_url: "http://127.0.0.1:1/v1", prompt: hi, messages: [{ role: user, content: hi }] }'));

    expect(error.details.join('\n')).toMatch(/target\.openai: set exactly one of messages/);
  });
});
