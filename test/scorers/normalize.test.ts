import { describe, expect, it } from 'vitest';
import { normalizeText, outputText, quote, squadNormalize, squadTokens } from '../../src/scorers/normalize.js';

describe('normalizeText', () => {
  it('lower-cases', () => {
    expect(normalizeText('ÉCOLE Abc', new Set(['case']))).toBe('école abc');
  });

  it('trims and collapses whitespace', () => {
    expect(normalizeText(' a \t\n b\u00a0 c ', new Set(['whitespace']))).toBe('a b c');
  });

  it('drops Unicode punctuation only', () => {
    expect(normalizeText('«Hi», she said — ok? $5+', new Set(['punctuation']))).toBe('Hi she said  ok $5+');
  });

  it('composes to NFC', () => {
    expect(normalizeText('e\u0301', new Set(['nfc']))).toBe('\u00e9');
    expect(normalizeText('e\u0301', new Set())).toBe('e\u0301');
  });

  it('collapses gaps left by punctuation', () => {
    expect(normalizeText('a - b', new Set(['punctuation', 'whitespace']))).toBe('a b');
  });
});

describe('squadNormalize', () => {
  it('follows the SQuAD steps', () => {
    expect(squadNormalize('The  Eiffel Tower!')).toBe('eiffel tower');
    expect(squadNormalize('an apple, a pear')).toBe('apple pear');
    expect(squadNormalize("Rock 'n' Roll")).toBe('rock n roll');
  });

  it('keeps articles inside words', () => {
    expect(squadNormalize('Theater another anthem')).toBe('theater another anthem');
  });

  it('treats accented letters as word characters', () => {
    expect(squadNormalize('éa the')).toBe('éa');
  });

  it('tokenizes the empty answer to nothing', () => {
    expect(squadTokens('The!')).toEqual([]);
    expect(squadTokens('new york')).toEqual(['new', 'york']);
  });
});

describe('text helpers', () => {
  it('converts outputs to text', () => {
    expect(outputText('x')).toBe('x');
    expect(outputText(null)).toBe('');
    expect(outputText(undefined)).toBe('');
    expect(outputText(2.5)).toBe('2.5');
    expect(outputText({ a: [1] })).toBe('{"a":[1]}');
  });

  it('quotes and cuts long text', () => {
    expect(quote('say "hi"')).toBe('"say \\"hi\\""');
    const cut = JSON.parse(quote('z'.repeat(200))) as string;
    expect(Array.from(cut)).toHaveLength(80);
    expect(cut.endsWith('…')).toBe(true);
  });
});
