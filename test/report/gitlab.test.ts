import { describe, expect, it } from 'vitest';
import { commentMarker, renderPullRequestComment } from '../../src/report/comment.js';
import { createLogSections, renderMergeRequestNote, sectionEnd, sectionStart } from '../../src/report/gitlab.js';
import { failingSummary } from './summary-fixture.js';

const ESC = '\u001b';
const AT = new Date('2025-01-02T03:04:05Z');

describe('GitLab log sections', () => {
  it('start marker has time, name, header', () => {
    expect(sectionStart('proofgate_cases', 'Cases', { collapsed: true, now: AT })).toBe(
      `${ESC}[0Ksection_start:1735787045:proofgate_cases[collapsed=true]\r${ESC}[0KCases\n`,
    );
  });

  it('end marker matches the name', () => {
    expect(sectionEnd('proofgate_cases', { now: AT })).toBe(`${ESC}[0Ksection_end:1735787045:proofgate_cases\r${ESC}[0K\n`);
  });

  it('names are reduced to allowed characters', () => {
    expect(sectionStart('my cases:1', 'x', { now: AT })).toContain('section_start:1735787045:my_cases_1\r');
  });

  it('sections are empty outside GitLab', () => {
    const sections = createLogSections({});

    expect(sections.start('a', 'A')).toBe('');
    expect(sections.end('a')).toBe('');
  });

  it('only started sections are ended', () => {
    const sections = createLogSections({ GITLAB_CI: 'true' });

    expect(sections.end('never')).toBe('');
    expect(sections.start('a', 'A')).toContain('section_start:');
    expect(sections.end('a')).toContain('section_end:');
    expect(sections.end('a')).toBe('');
  });
});

describe('comment bodies', () => {
  it('pull-request comment starts with the marker', () => {
    const body = renderPullRequestComment(failingSummary(), 'https://github.com/o/r/actions/runs/1');

    expect(commentMarker('demo')).toBe('<!-- proofgate:demo -->');
    expect(body.split('\n')[0]).toBe('<!-- proofgate:demo -->');
    expect(body).toContain('```mermaid');
    expect(body).toContain('<details><summary>Worst failing cases (1 of 2)</summary>');
  });

  it('merge-request note leaves out the chart', () => {
    const body = renderMergeRequestNote(failingSummary(), 'https://gitlab.example.com/jobs/1');

    expect(body.split('\n')[0]).toBe('<!-- proofgate:demo -->');
    expect(body).not.toContain('```mermaid');
    expect(body).toContain('[CI run](https://gitlab.example.com/jobs/1)');
  });
});
