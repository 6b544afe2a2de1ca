import { renderRunMarkdown } from './markdown.js';
import type { RunSummary } from './summary.js';

/**
 * The hidden first line of a pull-request comment or merge-request note.
 * A workflow step finds the comment that starts with it and edits that one,
 * so every run of a pipeline updates a single sticky comment.
 */
export function commentMarker(pipeline: string): string {
  return `<!-- proofgate:${pipeline} -->`;
}

/**
 * Renders the body of a pull-request comment: the marker line, then the run
 * as Markdown with the chart and the failing cases collapsed.
 */
export function renderPullRequestComment(summary: RunSummary, runUrl?: string): string {
  const body = renderRunMarkdown(summary, { chart: true, collapse: true, runUrl });
  return `${commentMarker(summary.pipeline)}\n${body}`;
}
