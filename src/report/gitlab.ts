// GitLab CI output: collapsible job-log sections and the merge-request note.

import { commentMarker } from './comment.js';
import { renderRunMarkdown } from './markdown.js';
import type { RunSummary } from './summary.js';

/** Writes section markers around the phases of a run in a GitLab job log. */
export interface LogSections {
  start(name: string, header: string, options?: { collapsed?: boolean }): string;
  end(name: string): string;
}

const ERASE_LINE = '\u001b[0K';

/** True when running as a GitLab CI job. */
export function isGitLabCi(env: NodeJS.ProcessEnv): boolean {
  return env.GITLAB_CI === 'true';
}

/**
 * Returns the marker line that opens a collapsible section in a GitLab job
 * log. GitLab reads `section_start:<unix seconds>:<name>`; the erase-line
 * codes hide the marker itself, so only the header shows.
 */
export function sectionStart(name: string, header: string, options: { collapsed?: boolean; now?: Date } = {}): string {
  const collapsed = options.collapsed ? '[collapsed=true]' : '';
  return `${ERASE_LINE}section_start:${unixSeconds(options.now)}:${sectionName(name)}${collapsed}\r${ERASE_LINE}${header}\n`;
}

/** Returns the marker line that closes the section opened with the same name. */
export function sectionEnd(name: string, options: { now?: Date } = {}): string {
  return `${ERASE_LINE}section_end:${unixSeconds(options.now)}:${sectionName(name)}\r${ERASE_LINE}\n`;
}

/**
 * Returns section writers for this environment: GitLab markers in a GitLab
 * job, else empty strings. A section that was never started is not ended.
 */
export function createLogSections(env: NodeJS.ProcessEnv): LogSections {
  if (!isGitLabCi(env)) return { start: () => '', end: () => '' };

  const open = new Set<string>();
  return {
    start(name, header, options = {}) {
      open.add(name);
      return sectionStart(name, header, options);
    },
    end(name) {
      if (!open.delete(name)) return '';
      return sectionEnd(name);
    },
  };
}

/**
 * Renders the merge-request note body: the marker line, then the run as
 * Markdown. The Mermaid chart is left out because GitLab's bundled Mermaid
 * version may not know `xychart-beta`.
 */
// NOTE: GitLab's Mermaid version was not checked; if it renders xychart-beta, the chart can be turned on here.
export function renderMergeRequestNote(summary: RunSummary, jobUrl?: string): string {
  const body = renderRunMarkdown(summary, { chart: false, collapse: true, runUrl: jobUrl });
  return `${commentMarker(summary.pipeline)}\n${body}`;
}

// GitLab accepts letters, digits, `_`, `.` and `-` in a section name.
function sectionName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function unixSeconds(now: Date = new Date()): number {
  return Math.floor(now.getTime() / 1000);
}
