import { describe, expect, it } from 'vitest';

import { readApprovingReview } from '../../src/approval/github.js';
import { readVectorText } from '../bundle/fixtures.js';

interface Fixtures {
  github_pull_request_review_approved: { event: Record<string, any> };
}

const fixtures = JSON.parse(await readVectorText('ci-fixtures.json')) as Fixtures;
const HEAD = '2222222222222222222222222222222222222222';

function event(change: (copy: Record<string, any>) => void = () => undefined): Record<string, any> {
  const copy = structuredClone(fixtures.github_pull_request_review_approved.event);
  change(copy);
  return copy;
}

describe('readApprovingReview', () => {
  it('reads the approved fixture', () => {
    const { review, problems } = readApprovingReview(event(), HEAD);

    expect(problems).toEqual([]);
    expect(review).toEqual({
      provider: 'github',
      reviewId: 2000000001,
      login: 'alice',
      userId: 1001,
      commit: HEAD,
      url: 'https://github.com/acme/llm-app/pull/7#pullrequestreview-2000000001',
      pullRequest: 7,
      repository: 'acme/llm-app',
      submittedAt: '2025-01-02T03:04:05Z',
    });
  });

  it('accepts the REST spelling APPROVED', () => {
    expect(readApprovingReview(event((copy) => (copy.review.state = 'APPROVED')), HEAD).review?.login).toBe('alice');
  });

  it('rejects a stale commit', () => {
    const stale = event((copy) => (copy.review.commit_id = '1'.repeat(40)));

    const { review, problems } = readApprovingReview(stale, '1'.repeat(40));

    expect(review).toBeUndefined();
    expect(problems).toEqual([`the review is of commit ${'1'.repeat(40)}, but the pull request head is ${HEAD}: it is a stale review of an earlier push`]);
  });

  it('rejects a review not approved', () => {
    const { review, problems } = readApprovingReview(event((copy) => (copy.review.state = 'changes_requested')), HEAD);

    expect(review).toBeUndefined();
    expect(problems).toEqual(['the review state is "changes_requested", not "approved"']);
  });

  it('rejects the wrong commit', () => {
    const { review, problems } = readApprovingReview(event(), '3'.repeat(40));

    expect(review).toBeUndefined();
    expect(problems).toEqual([`the review is of commit ${HEAD}, but the bundle evaluated commit ${'3'.repeat(40)}`]);
  });

  it('rejects a bundle without a commit', () => {
    expect(readApprovingReview(event(), undefined).problems[0]).toContain('records no git commit');
  });

  it('rejects a missing commit id', () => {
    expect(readApprovingReview(event((copy) => (copy.review.commit_id = null)), HEAD).problems).toContain(
      'the review has no commit_id (GitHub sets it to null when the commit no longer exists)',
    );
  });

  it('rejects another event type', () => {
    const push = { ref: 'refs/heads/main', head_commit: { id: HEAD } };

    expect(readApprovingReview(push, HEAD).problems[0]).toContain('not a pull_request_review event');
  });

  it('rejects a review without user id', () => {
    expect(readApprovingReview(event((copy) => delete copy.review.user.id), HEAD).problems[0]).toContain('numeric "id"');
  });
});
