import { describe, expect, it } from 'vitest';
import { escapeCommandData, escapeCommandProperty, formatAnnotation, formatOutputs, runAnnotations, runOutputs } from '../../src/report/github.js';
import { parseOutputFile } from '../ci/actions-runner.js';
import { failingSummary } from './summary-fixture.js';

describe('workflow command escaping', () => {
  it('data escapes percent and line breaks', () => {
    expect(escapeCommandData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
  });

  it('properties also escape colon and comma', () => {
    expect(escapeCommandProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('annotation carries file, line, col, title', () => {
    const line = formatAnnotation('error', 'x is 1,\nbut y', { file: 'dir,1/pipeline.yaml', line: 12, col: 5, title: 'gate: x >= 2' });

    expect(line).toBe('::error file=dir%2C1/pipeline.yaml,line=12,col=5,title=gate%3A x >= 2::x is 1,%0Abut y');
  });

  it('annotation without properties', () => {
    expect(formatAnnotation('warning', 'plain')).toBe('::warning::plain');
  });
});

describe('runAnnotations', () => {
  it('failed gate points at its line', () => {
    const lines = runAnnotations(failingSummary(), 'config/pipeline.yaml', [{ line: 14, col: 5 }, { line: 15, col: 5 }, undefined]);
    const errors = lines.filter((line) => line.startsWith('::error'));

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBe('::error file=config/pipeline.yaml,line=14,col=5,title=proofgate gate failed%3A accuracy >= 0.9::accuracy is 0.5, but the gate requires >= 0.9');
  });

  it('unsigned bundle gives a warning', () => {
    const unsigned = runAnnotations(failingSummary(), 'pipeline.yaml', []);
    const signed = runAnnotations(failingSummary({ signed: true, keyid: 'SHA256:x' }), 'pipeline.yaml', []);

    expect(unsigned.some((line) => line.startsWith('::warning title=proofgate bundle unsigned::'))).toBe(true);
    expect(signed.some((line) => line.startsWith('::warning'))).toBe(false);
  });

  it('gate without position omits line', () => {
    const [line] = runAnnotations(failingSummary(), 'pipeline.yaml', []);

    expect(line).toMatch(/^::error file=pipeline\.yaml,title=/);
  });
});

describe('step outputs', () => {
  it('outputs hold verdict, bundle and metrics', () => {
    const outputs = runOutputs(failingSummary());

    expect(outputs.verdict).toBe('fail');
    expect(outputs['exit-code']).toBe('1');
    expect(outputs.bundle).toBe('proofs/demo/20250102T030405Z-abababababab.json');
    expect(JSON.parse(outputs.metrics as string)).toEqual({ accuracy: 0.5, latency_p95_ms: 420.5, cost_usd: null, error_rate: 0 });
    expect(outputs['failed-gates']).toBe('accuracy >= 0.9: accuracy is 0.5, but the gate requires >= 0.9');
  });

  it('multi-line values use a heredoc', () => {
    const text = formatOutputs({ single: 'one line', multi: 'first\nsecond', empty: '' });

    expect(text).toMatch(/^single=one line\nmulti<<ghadelimiter_[0-9a-f-]+\nfirst\nsecond\nghadelimiter_[0-9a-f-]+\nempty=\n$/);
    expect(parseOutputFile(text)).toEqual({ single: 'one line', multi: 'first\nsecond', empty: '' });
  });

  it('value cannot forge another output', () => {
    const text = formatOutputs({ reason: 'x\nverdict=pass\n' });

    expect(parseOutputFile(text)).toEqual({ reason: 'x\nverdict=pass\n' });
  });
});
