import { describe, expect, it } from 'vitest';
import { escapeText, readBaselineDelta, renderGateCharts, renderRunMarkdown } from '../../src/report/markdown.js';
import { failingSummary } from './summary-fixture.js';

function tableRow(markdown: string, metric: string): string[] {
  const row = markdown.split('\n').find((line) => line.startsWith(`| <code>${metric.replace(/_/g, '\\_')}</code>`));
  if (row === undefined) throw new Error(`no table row for ${metric} in:\n${markdown}`);
  return row.split(' | ').map((cell) => cell.replace(/^\| |\s\|$/g, '').trim());
}

describe('renderRunMarkdown', () => {
  it('heading states verdict and counts', () => {
    const markdown = renderRunMarkdown(failingSummary(), { chart: false, runUrl: 'https://ci.example/run/1' });

    expect(markdown).toMatch(/^### ❌ proofgate: demo failed\n/);
    expect(markdown).toContain('4 cases: 2 passed, 2 failed');
    expect(markdown).toContain('[CI run](https://ci.example/run/1)');
  });

  it('table marks failed and passed gates', () => {
    const markdown = renderRunMarkdown(failingSummary(), { chart: false });

    const accuracy = tableRow(markdown, 'accuracy');
    expect(accuracy[1]).toBe('0.5');
    expect(accuracy[2]).toBe('&gt;= 0.9');
    expect(accuracy[5]).toBe('❌');

    const latency = tableRow(markdown, 'latency_p95_ms');
    expect(latency[5]).toBe('✅');
  });

  it('ungated metric without value shows dashes', () => {
    const row = tableRow(renderRunMarkdown(failingSummary(), { chart: false }), 'cost_usd');

    expect(row[1]).toBe('—');
    expect(row[2]).toBe('—');
    expect(row[3]).toBe('—');
    expect(row[4]).toBe('—');
  });

  it('baseline columns show value and delta', () => {
    const summary = failingSummary();
    Object.assign(summary, { baseline: { metrics: { accuracy: { value: 0.5, baseline: 0.75, delta: -0.25 } } } });

    const row = tableRow(renderRunMarkdown(summary, { chart: false }), 'accuracy');

    expect(row[3]).toBe('0.75');
    expect(row[4]).toBe('-0.25');
  });

  it('relative gate baseline gives the delta', () => {
    const summary = failingSummary();
    summary.gates[0] = { ...summary.gates[0]!, baseline: 0.4, offset: -0.02, threshold: 0.38 };

    expect(readBaselineDelta(summary, 'accuracy')).toEqual({ baseline: 0.4, delta: 0.09999999999999998 });
    expect(renderRunMarkdown(summary, { chart: false })).toContain('&gt;= 0.38 (baseline − 0.02)');
  });

  it('no baseline reads as undefined', () => {
    expect(readBaselineDelta(failingSummary(), 'accuracy')).toBeUndefined();
  });

  it('failed gates list their reasons', () => {
    const markdown = renderRunMarkdown(failingSummary(), { chart: false });

    expect(markdown).toContain('**Failed gates**');
    expect(markdown).toContain('- <code>accuracy &gt;= 0.9</code>: accuracy is 0.5, but the gate requires &gt;= 0.9');
    expect(markdown).not.toContain('<code>latency\\_p95\\_ms &lt;= 800</code>:');
  });

  it('model output cannot inject HTML or mentions', () => {
    const markdown = renderRunMarkdown(failingSummary(), { chart: false });
    const caseRow = markdown.split('\n').find((line) => line.includes('case&#124;1'));

    expect(caseRow).toBeDefined();
    expect(caseRow).toContain('&lt;b&gt;');
    expect(caseRow).not.toContain('<b>');
    expect(caseRow).not.toContain('@octocat');
    expect(caseRow).toContain('@&#8203;octocat');
    expect(caseRow!.split(' | ')).toHaveLength(4);
  });

  it('chart is optional and collapsible', () => {
    expect(renderRunMarkdown(failingSummary(), { chart: false })).not.toContain('```mermaid');

    const collapsed = renderRunMarkdown(failingSummary(), { chart: true, collapse: true });
    expect(collapsed).toContain('<details><summary>Gated metrics against their thresholds</summary>');
    expect(collapsed).toContain('```mermaid\nxychart-beta');
  });

  it('bundle line names the signer', () => {
    expect(renderRunMarkdown(failingSummary(), { chart: false })).toContain('(**unsigned**)');

    const signed = renderRunMarkdown(failingSummary({ signed: true, keyid: 'SHA256:abc' }), { chart: false });
    expect(signed).toContain('Bundle <code>proofs/demo/20250102T030405Z-abababababab.json</code> (signed by <code>SHA256:abc</code>)');
  });
});

describe('renderGateCharts', () => {
  it('groups rates apart from latency', () => {
    const charts = renderGateCharts(failingSummary().gates);

    expect(charts).toHaveLength(2);
    expect(charts[0]).toContain('x-axis ["accuracy", "error_rate"]');
    expect(charts[0]).toContain('y-axis 0 --> 1');
    expect(charts[0]).toContain('bar [0.5, 0]');
    expect(charts[0]).toContain('line [0.9, 0]');
  });

  it('single gate draws threshold as bar', () => {
    const [, latency] = renderGateCharts(failingSummary().gates);

    expect(latency).toContain('x-axis ["latency_p95_ms", "threshold"]');
    expect(latency).toContain('bar [420.5, 800]');
    expect(latency).toContain('y-axis 0 --> 880');
    expect(latency).not.toContain('line [');
  });

  it('skips gates without a threshold', () => {
    const charts = renderGateCharts([
      { metric: 'accuracy', op: '>=', threshold: null, actual: 0.5, passed: false, source: 'accuracy >= baseline - 0.1', baseline: null, offset: -0.1, reason: 'no baseline' },
    ]);

    expect(charts).toEqual([]);
  });

  it('labels drop double quotes', () => {
    const [chart] = renderGateCharts([{ metric: 'a"b', op: '>=', threshold: 0.5, actual: null, passed: false, source: 'x' }]);

    expect(chart).toContain('x-axis ["a b (no value)", "threshold"]');
  });
});

describe('escapeText', () => {
  it('escapes table and Markdown syntax', () => {
    expect(escapeText('a|b')).toBe('a&#124;b');
    expect(escapeText('line\nbreak')).toBe('line break');
    expect(escapeText('*bold* [link]')).toBe('\\*bold\\* \\[link\\]');
    expect(escapeText('#1 & <x>')).toBe('\\#1 &amp; &lt;x&gt;');
  });
});
