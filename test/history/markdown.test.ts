import { describe, expect, it } from 'vitest';
import { formatDelta, formatMetric, shortCommit, shortDigest } from '../../src/history/format.js';
import { inlineCode, markdownTable, plainText, tableCell } from '../../src/history/markdown.js';

describe('inlineCode', () => {
  it('fences around backticks', () => {
    expect(inlineCode('abc')).toBe('`abc`');
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('`edge')).toBe('`` `edge ``');
    expect(inlineCode('')).toBe('`  `');
  });

  it('flattens newlines', () => {
    expect(inlineCode('a\nb')).toBe('`a b`');
  });
});

describe('table helpers', () => {
  it('escapes pipes in cells', () => {
    expect(tableCell('a|b\nc')).toBe('a\\|b c');
  });

  it('builds a table', () => {
    expect(markdownTable(['k', 'v'], [['a', 'x|y']])).toEqual(['| k | v |', '| --- | --- |', '| a | x\\|y |']);
  });

  it('escapes formatting characters', () => {
    expect(plainText('a_b *c* [d]')).toBe('a\\_b \\*c\\* \\[d\\]');
  });
});

describe('short forms', () => {
  it('shortens digests and commits', () => {
    expect(shortDigest('sha256:0123456789abcdef')).toBe('0123456789ab');
    expect(shortDigest(null)).toBe('-');
    expect(shortCommit('0123456789abcdef')).toBe('0123456');
    expect(shortCommit(undefined)).toBe('-');
  });

  it('formats metrics and deltas', () => {
    expect(formatMetric(2 / 3)).toBe('0.666667');
    expect(formatMetric(850)).toBe('850');
    expect(formatMetric(null)).toBe('-');
    expect(formatDelta(0.05)).toBe('+0.05');
    expect(formatDelta(-12)).toBe('-12');
    expect(formatDelta(0)).toBe('0');
    expect(formatDelta(null)).toBe('-');
  });
});
