import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSteps, type StepDefinition } from './actions-runner.js';
import { CLI } from '../helpers/cli.js';
import { createCiProject, githubEnv, readRepoYaml, runAction, writePullRequestEvent, type CiProject } from './github-project.js';

let ci: CiProject | undefined;
afterEach(() => ci?.remove());

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { if?: string; needs?: string | string[]; steps: StepDefinition[] }>;
}

const WORKFLOWS = ['templates/github/proofgate.yml', 'examples/ci/github/pull-request.yml', 'examples/ci/github/approve.yml', 'examples/ci/github/deploy.yml'];

function workflow(file: string): Workflow {
  return readRepoYaml(file) as unknown as Workflow;
}

function stepNamed(file: string, job: string, name: string): StepDefinition {
  const step = workflow(file).jobs[job]?.steps.find((candidate) => candidate.name === name);
  if (step === undefined) throw new Error(`${file}: job ${job} has no step "${name}"`);
  return step;
}

/** Writes an executable script into `dir` and returns `dir` for PATH. */
function fakeCommand(dir: string, name: string, script: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `#!/usr/bin/env bash\n${script}\n`);
  chmodSync(file, 0o755);
  return dir;
}

// Records each call's arguments and the body file's text; a listing call prints $FAKE_COMMENT_ID.
const FAKE_GH = `
printf '%s\\n' "$*" >> "$FAKE_LOG"
for argument in "$@"; do
  case "$argument" in body=@*) cat "\${argument#body=@}" > "$FAKE_LOG.body" ;; esac
done
case "$*" in *--paginate*) [ -n "$FAKE_COMMENT_ID" ] && echo "$FAKE_COMMENT_ID" ;; esac
exit 0`;

describe('example workflows', () => {
  it('every workflow parses with jobs', () => {
    for (const file of WORKFLOWS) {
      const parsed = workflow(file);
      expect(Object.keys(parsed.jobs).length, file).toBeGreaterThan(0);
      for (const job of Object.values(parsed.jobs)) expect(Array.isArray(job.steps), file).toBe(true);
    }
  });

  it('pull request jobs check out the branch', () => {
    for (const [file, job] of [['templates/github/proofgate.yml', 'evaluate'], ['examples/ci/github/pull-request.yml', 'evaluate'], ['examples/ci/github/approve.yml', 'approve']] as const) {
      const checkout = workflow(file).jobs[job]?.steps[0] as StepDefinition & { with?: Record<string, string> };
      expect(checkout.uses, file).toBe('actions/checkout@v4');
      expect(checkout.with?.ref, file).toBe('${{ github.event.pull_request.head.ref }}');
    }
  });

  it('deploy waits for verify', () => {
    const deploy = workflow('examples/ci/github/deploy.yml');

    expect(deploy.jobs.deploy?.needs).toBe('verify');
    const verify = deploy.jobs.verify?.steps.find((step) => step.run?.includes('proofgate verify'));
    expect(verify?.run).toBe('proofgate verify --pipeline pipeline.yaml --require-approval --trust-ref origin/main');
  });

  it('approval job runs only on approved reviews', () => {
    expect(workflow('examples/ci/github/approve.yml').jobs.approve?.if).toBe("github.event.review.state == 'approved'");
    expect(workflow('templates/github/proofgate.yml').jobs.approve?.if).toContain("github.event.review.state == 'approved'");
  });
});

describe('sticky comment step', () => {
  function runCommentStep(project: CiProject, existingId: string) {
    const step = stepNamed('examples/ci/github/pull-request.yml', 'evaluate', 'Post or update the proofgate comment');
    const log = path.join(project.scratch, 'gh.log');
    writeFileSync(path.join(project.scratch, 'proofgate-comment.md'), '<!-- proofgate:demo -->\n### ✅ proofgate: demo passed\n');
    const env = githubEnv(project, writePullRequestEvent(project));
    env.PATH = `${fakeCommand(path.join(project.scratch, 'bin'), 'gh', FAKE_GH)}${path.delimiter}${env.PATH}`;
    env.FAKE_LOG = log;
    env.FAKE_COMMENT_ID = existingId;

    const context = {
      github: { token: 'token-value', repository: 'acme/llm-app', event: { pull_request: { number: 7 } } },
      runner: { temp: project.scratch },
    };
    const [result] = runSteps([step], { context, env, workspace: project.project.dir }).results;
    return { result, calls: readFileSync(log, 'utf8').trim().split('\n'), body: readFileSync(`${log}.body`, 'utf8') };
  }

  it('edits the comment with the marker', () => {
    ci = createCiProject('answers.js');

    const { result, calls, body } = runCommentStep(ci, '4242');

    expect(result?.status, result?.stderr).toBe('success');
    expect(calls[0]).toBe('api repos/acme/llm-app/issues/7/comments --paginate --jq .[] | select(.body | startswith("<!-- proofgate:demo -->")) | .id');
    expect(calls[1]).toBe(`api --method PATCH repos/acme/llm-app/issues/comments/4242 -F body=@${path.join(ci.scratch, 'proofgate-comment.md')}`);
    expect(calls).toHaveLength(2);
    expect(body.startsWith('<!-- proofgate:demo -->\n')).toBe(true);
  });

  it('posts a new comment otherwise', () => {
    ci = createCiProject('answers.js');

    const { calls } = runCommentStep(ci, '');

    expect(calls[1]).toBe(`api --method POST repos/acme/llm-app/issues/7/comments -F body=@${path.join(ci.scratch, 'proofgate-comment.md')}`);
  });
});

describe('approval step', () => {
  it('approves the bundle and pushes both', () => {
    ci = createCiProject('answers.js');
    const bundle = 'proofs/demo/20250102T030405Z-abababababab.json';
    ci.project.write(bundle, '{}\n');
    const step = stepNamed('examples/ci/github/approve.yml', 'approve', 'Record the approval');
    const eventFile = writePullRequestEvent(ci);
    const env = githubEnv(ci, eventFile, 'pull_request_review');
    // The fake proofgate writes an approval file beside the bundle, as `proofgate approve` does.
    const fake = fakeCommand(path.join(ci.scratch, 'bin'), 'proofgate', 'printf "%s\\n" "$*" > "$FAKE_LOG"\necho "{}" > "${2%.json}.approval.alice-1a2b.json"');
    env.PATH = `${fake}${path.delimiter}${env.PATH}`;
    env.FAKE_LOG = path.join(ci.scratch, 'proofgate.log');

    const context = {
      secrets: { PROOFGATE_SIGNING_KEY: 'not-a-real-key' },
      steps: { proofgate: { outputs: { bundle } } },
      github: { event: { pull_request: { head: { ref: 'feature' } }, review: { user: { login: 'alice' } } } },
    };
    const run = runSteps([step], { context, env, workspace: ci.project.dir });

    expect(run.results[0]?.status, run.results[0]?.stderr).toBe('success');
    expect(readFileSync(env.FAKE_LOG, 'utf8').trim()).toBe(`approve ${bundle} --from-github-event ${eventFile}`);
    expect(ci.originGit('log', '-1', '--format=%s', 'feature')).toBe('proofgate: add approval by alice');
    const files = ci.originGit('ls-tree', '-r', '--name-only', 'feature').split('\n');
    expect(files).toContain(bundle);
    expect(files).toContain('proofs/demo/20250102T030405Z-abababababab.approval.alice-1a2b.json');
  });
});

describe('approval workflow end to end', () => {
  it('records a real platform approval', () => {
    ci = createCiProject('answers.js');
    const keyFile = path.join(ci.scratch, 'ci-key.pem');
    execFileSync(process.execPath, [CLI, 'keygen', '--out', keyFile, '--principal', 'ci', '--trust', '.proofgate/allowed_signers'], { cwd: ci.project.dir, stdio: 'pipe' });
    ci.git('add', '.proofgate/allowed_signers');
    ci.git('commit', '-q', '-m', 'trust the CI key');
    const signingKey = readFileSync(keyFile, 'utf8');
    const head = ci.git('rev-parse', 'HEAD');
    const eventFile = path.join(ci.scratch, 'review.json');
    writeFileSync(eventFile, JSON.stringify({
      action: 'submitted',
      review: { id: 2000000001, user: { login: 'alice', id: 1001 }, commit_id: head, state: 'approved', submitted_at: '2025-01-02T03:04:05Z', html_url: 'https://github.com/acme/llm-app/pull/7#pullrequestreview-2000000001' },
      pull_request: { number: 7, head: { sha: head, ref: 'feature', repo: { full_name: 'acme/llm-app' } }, base: { ref: 'main' } },
      repository: { full_name: 'acme/llm-app' },
    }));

    // The approval job's first steps: the action evaluates the reviewed head.
    const action = runAction(ci, { 'signing-key': signingKey }, { file: eventFile, name: 'pull_request_review' });
    expect(action.outputs.verdict, action.step('run').stderr).toBe('pass');

    const step = stepNamed('examples/ci/github/approve.yml', 'approve', 'Record the approval');
    const env = { ...action.env, PATH: `${path.join(ci.scratch, 'proofgate-bin')}${path.delimiter}${action.env.PATH}` };
    const context = {
      secrets: { PROOFGATE_SIGNING_KEY: signingKey },
      steps: { proofgate: { outputs: { bundle: action.outputs.bundle } } },
      github: { event: { pull_request: { head: { ref: 'feature' } }, review: { user: { login: 'alice' } } } },
    };
    const [result] = runSteps([step], { context, env, workspace: ci.project.dir }).results;

    expect(result?.status, `${result?.stdout}${result?.stderr}`).toBe('success');
    const files = ci.originGit('ls-tree', '-r', '--name-only', 'feature').split('\n');
    const bundle = action.outputs.bundle as string;
    expect(files).toContain(bundle);
    expect(files.some((file) => file.startsWith(`${bundle.replace(/\.json$/, '')}.approval.`))).toBe(true);
    expect(ci.originGit('log', '-1', '--format=%s', 'feature')).toBe('proofgate: add approval by alice');
  });
});
