// A project whose runs can be made to flip cases, signed by a CI key, for
// the diff, log, audit and export tests.

import { readFileSync, appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createProject, type TempProject } from '../helpers/project.js';

export const PIPELINE = `name: faq
target:
  exec:
    command: [node, app.js]
config:
  prompt: file:prompt.md
  top_k: 3
materials: [app.js, wrong.json]
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}" }
metrics:
  accuracy: mean(exact)
gates:
  - accuracy >= 0.5
`;

// The app prints the expected answer for every case except the ids listed in wrong.json.
const APP = `const fs = require('fs');
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const wrong = JSON.parse(fs.readFileSync('wrong.json', 'utf8'));
process.stdout.write(wrong.includes(input.vars.id) ? 'nope' : input.vars.answer);
`;

const CASES = ['a', 'b', 'c', 'd'].map((id) => JSON.stringify({ id, answer: `answer-${id}` })).join('\n');

/** Creates the project as a git repository with a CI key trusted for evaluation bundles. */
export async function createHistoryProject(): Promise<TempProject> {
  const project = createProject(
    {
      'pipeline.yaml': PIPELINE,
      'prompt.md': 'Answer briefly.\n',
      'app.js': APP,
      'wrong.json': '["d"]\n',
      'package.json': '{"type":"commonjs"}\n',
      'cases.jsonl': `${CASES}\n`,
      '.gitignore': 'keys/\n.proofgate/cache/\n',
    },
    { git: true },
  );

  const result = await runCli(['keygen', '--out', 'keys/ci.pem', '--principal', 'ci@example.com', '--trust', '.proofgate/allowed_signers'], { cwd: project.dir });
  expect(result.code, result.stderr).toBe(0);
  return project;
}

/** Runs the pipeline signed by the CI key and returns the new bundle's path. */
export async function signedRun(project: TempProject, wrong: string[] = ['d'], extraArgs: string[] = []): Promise<string> {
  project.write('wrong.json', `${JSON.stringify(wrong)}\n`);
  const before = project.bundles('faq').length;

  const result = await runCli(['run', '--key', 'keys/ci.pem', '--no-cache', ...extraArgs], { cwd: project.dir });
  expect(result.code === 0 || result.code === 1, result.stderr).toBe(true);

  const bundles = project.bundles('faq');
  expect(bundles).toHaveLength(before + 1);
  return bundles[bundles.length - 1] as string;
}

/** Makes a reviewer key and trusts it for approvals under `principal`. */
export async function addReviewer(project: TempProject, principal: string): Promise<string> {
  const file = `keys/${principal.replace(/[^a-z]/g, '')}.pem`;
  const result = await runCli(['keygen', '--out', file, '--principal', principal], { cwd: project.dir });
  expect(result.code, result.stderr).toBe(0);

  const [type, key] = readFileSync(project.path(`${file}.pub`), 'utf8').trim().split(' ');
  appendFileSync(project.path('.proofgate/allowed_signers'), `${principal} namespaces="proofgate-approval@v1" ${type} ${key}\n`);
  return file;
}

/** Reads a bundle file as JSON. */
export function readJson(file: string): Record<string, any> {
  return JSON.parse(readFileSync(file, 'utf8'));
}
