import { readFile } from 'node:fs/promises';

import { ProofgateError } from '../errors.js';
import type { PlatformReview } from './statement.js';

/** An approving review read from a `pull_request_review` event, with when it was submitted. */
export interface ApprovingReview extends PlatformReview {
  submittedAt?: string;
}

/**
 * Reads a GitHub Actions event file ($GITHUB_EVENT_PATH). Throws
 * ProofgateError('USAGE') when it cannot be read or is not JSON.
 */
export async function readGithubEventFile(file: string): Promise<unknown> {
  let text: string;

  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ProofgateError('USAGE', `The GitHub event file ${file} could not be read. In a workflow, pass "$GITHUB_EVENT_PATH".`, { cause: error });
  }

  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ProofgateError('USAGE', `The GitHub event file ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Checks that `event` is a `pull_request_review` whose state is approved and
 * whose commit is both the pull request's current head and the commit the
 * bundle evaluated. The state is compared in any case, because webhooks send
 * `approved` and the REST API `APPROVED`. Returns the review, or one sentence
 * per failed check.
 */
export function readApprovingReview(event: unknown, evaluatedCommit: string | undefined): { review?: ApprovingReview; problems: string[] } {
  const review = field(event, 'review');
  const pullRequest = field(event, 'pull_request');

  if (!isRecord(review) || !isRecord(pullRequest)) {
    return { problems: ['the event is not a pull_request_review event: it has no "review" and "pull_request" objects'] };
  }

  const user = field(review, 'user');
  const login = field(user, 'login');
  const userId = field(user, 'id');
  const reviewId = field(review, 'id');

  if (typeof login !== 'string' || typeof userId !== 'number' || typeof reviewId !== 'number') {
    return { problems: ['the review has no numeric "id" or no "user" with "login" and numeric "id"'] };
  }

  const commit = field(review, 'commit_id');
  const problems = findCommitProblems(review, commit, field(field(pullRequest, 'head'), 'sha'), evaluatedCommit);

  if (problems.length > 0 || typeof commit !== 'string') {
    return { problems };
  }

  return { review: { provider: 'github', reviewId, login, userId, commit, ...optionalFields(review, pullRequest, event) }, problems };
}

function findCommitProblems(review: Record<string, unknown>, commit: unknown, head: unknown, evaluatedCommit: string | undefined): string[] {
  const problems: string[] = [];
  const state = field(review, 'state');

  if (typeof state !== 'string' || state.toLowerCase() !== 'approved') {
    problems.push(`the review state is ${JSON.stringify(state)}, not "approved"`);
  }

  if (typeof commit !== 'string' || commit === '') {
    problems.push('the review has no commit_id (GitHub sets it to null when the commit no longer exists)');
    return problems;
  }

  if (commit !== head) {
    problems.push(`the review is of commit ${commit}, but the pull request head is ${String(head)}: it is a stale review of an earlier push`);
  }

  if (evaluatedCommit === undefined) {
    problems.push('the bundle records no git commit, so the review cannot be matched to it');
  } else if (commit !== evaluatedCommit) {
    problems.push(`the review is of commit ${commit}, but the bundle evaluated commit ${evaluatedCommit}`);
  }

  return problems;
}

function optionalFields(review: Record<string, unknown>, pullRequest: Record<string, unknown>, event: unknown): Partial<ApprovingReview> {
  const url = field(review, 'html_url');
  const submittedAt = field(review, 'submitted_at');
  const number = field(pullRequest, 'number');
  const repository = field(field(event, 'repository'), 'full_name');

  return {
    ...(typeof url === 'string' ? { url } : {}),
    ...(typeof number === 'number' ? { pullRequest: number } : {}),
    ...(typeof repository === 'string' ? { repository } : {}),
    ...(typeof submittedAt === 'string' && !Number.isNaN(Date.parse(submittedAt)) ? { submittedAt } : {}),
  };
}

function field(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
