import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvField, formatCsv } from '../../src/audit/csv.js';

describe('csvField', () => {
  it('quotes only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
  });

  it('writes empty for missing values', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(0)).toBe('0');
    expect(csvField(false)).toBe('false');
  });
});

describe('formatCsv', () => {
  it('round-trips through a CSV parser', () => {
    const rows = [
      ['x', 'a "quoted", value', null],
      ['y', 'line one\r\nline two', 3.5],
    ];
    const text = formatCsv(['id', 'text', 'n'], rows);

    expect(text.endsWith('\r\n')).toBe(true);
    expect(parse(text, { relax_quotes: false })).toEqual([
      ['id', 'text', 'n'],
      ['x', 'a "quoted", value', ''],
      ['y', 'line one\r\nline two', '3.5'],
    ]);
  });
});
