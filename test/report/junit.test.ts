import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caseTestcase, gateTestcase, writeJunitReport } from '../../src/report/junit.js';
import type { CaseRecord } from '../../src/run/case.js';
import { validateJunit } from './junit-schema.js';
import { failingSummary } from './summary-fixture.js';

const STARTED = new Date('2025-01-02T03:04:05.678Z');

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tempDir(): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-junit-'));
  return dir;
}

async function* fromArray(records: CaseRecord[]): AsyncGenerator<CaseRecord> {
  for (const record of records) yield record;
}

const RECORDS: CaseRecord[] = [
  { id: 'a', pass: true, latency_ms: 12.5, output_sha256: 'ff'.repeat(32), scores: { exact: { score: 1, pass: true } } },
  { id: 'b <&> "quoted"', pass: false, latency_ms: 30, scores: { exact: { score: 0, pass: false, reason: 'expected "TWO", got "two"' }, f1: { score: 0.2, pass: false, reason: 'F1 0.2 < 0.5' } } },
  { id: 'c', pass: false, error: 'exit code 1: boom\u0007\nstack', latency_ms: 5, scores: { exact: { score: 0, pass: false, reason: 'case errored' } } },
  { id: 'd', pass: true, latency_ms: 1, scores: { exact: { score: 1, pass: true } } },
];

describe('writeJunitReport', () => {
  it('report validates against the XSD', async () => {
    const file = path.join(tempDir(), 'reports', 'nested', 'junit.xml');

    await writeJunitReport(file, failingSummary(), fromArray(RECORDS), STARTED);

    const result = validateJunit(file);
    expect(result.valid, result.output).toBe(true);
  });

  it('counts match gates and cases', async () => {
    const file = path.join(tempDir(), 'junit.xml');
    const summary = failingSummary({ cases: { total: 4, passed: 2, failed: 2, errors: 1, cached: 0 } });

    await writeJunitReport(file, summary, fromArray(RECORDS), STARTED);

    const xml = readFileSync(file, 'utf8');
    expect(xml).toContain('<testsuites name="proofgate demo" tests="7" failures="2" errors="1" time="1.234">');
    expect(xml).toContain('<testsuite name="demo gates" tests="3" failures="1" errors="0" skipped="0" time="0" timestamp="2025-01-02T03:04:05">');
    expect(xml).toContain('<testsuite name="demo cases" tests="4" failures="1" errors="1" skipped="0" time="1.234" timestamp="2025-01-02T03:04:05">');
    expect(xml.match(/<testcase /g)).toHaveLength(7);
  });

  it('no temporary file is left', async () => {
    const folder = tempDir();

    await writeJunitReport(path.join(folder, 'junit.xml'), failingSummary(), fromArray(RECORDS), STARTED);

    expect(readdirSync(folder)).toEqual(['junit.xml']);
  });

  it('failing reader leaves no report', async () => {
    const folder = tempDir();
    async function* broken(): AsyncGenerator<CaseRecord> {
      yield RECORDS[0] as CaseRecord;
      throw new Error('spool unreadable');
    }

    await expect(writeJunitReport(path.join(folder, 'junit.xml'), failingSummary(), broken(), STARTED)).rejects.toThrow('spool unreadable');
    expect(readdirSync(folder)).toEqual([]);
  });

  it('many cases stream into a valid file', async () => {
    const file = path.join(tempDir(), 'junit.xml');
    const total = 20_000;
    async function* many(): AsyncGenerator<CaseRecord> {
      for (let index = 0; index < total; index += 1) {
        yield { id: `case-${index}`, pass: index % 10 !== 0, latency_ms: index % 100, scores: { exact: { score: index % 10 === 0 ? 0 : 1, pass: index % 10 !== 0, reason: 'mismatch' } } };
      }
    }
    const summary = failingSummary({ cases: { total, passed: total - total / 10, failed: total / 10, errors: 0, cached: 0 } });

    await writeJunitReport(file, summary, many(), STARTED);

    const result = validateJunit(file);
    expect(result.valid, result.output).toBe(true);
    expect(statSync(file).size).toBeGreaterThan(total * 100);
    const failures = execFileSync('grep', ['-c', '<failure ', file], { encoding: 'utf8' });
    expect(Number(failures)).toBe(total / 10 + 1);
  });
});

describe('test cases', () => {
  it('scorer failures become a failure', () => {
    const xml = caseTestcase(RECORDS[1] as CaseRecord, 'demo');

    expect(xml).toContain('<testcase classname="demo.cases" name="b &lt;&amp;&gt; &quot;quoted&quot;" time="0.030">');
    expect(xml).toContain('<failure message="exact: expected &quot;TWO&quot;, got &quot;two&quot;" type="scorer">exact: expected "TWO", got "two"\nf1: F1 0.2 &lt; 0.5</failure>');
    expect(xml).not.toContain('<error');
  });

  it('target errors become an error', () => {
    const xml = caseTestcase(RECORDS[2] as CaseRecord, 'demo');

    expect(xml).toContain('<error message="exit code 1: boom\uFFFD&#10;stack" type="target">exit code 1: boom\uFFFD\nstack</error>');
    expect(xml).not.toContain('<failure');
    expect(xml).not.toContain('\u0007');
  });

  it('passing case has only output', () => {
    const xml = caseTestcase(RECORDS[0] as CaseRecord, 'demo');

    expect(xml).not.toMatch(/<failure|<error/);
    expect(xml).toContain('<system-out>scores: exact=1 (pass)\nlatency_ms: 12.5\noutput_sha256: ' + 'ff'.repeat(32) + '</system-out>');
  });

  it('failed gate carries its reason', () => {
    const [failed, passed] = failingSummary().gates;

    expect(gateTestcase(failed!, 'demo')).toContain('<failure message="accuracy is 0.5, but the gate requires &gt;= 0.9" type="gate">');
    expect(gateTestcase(passed!, 'demo')).toBe('    <testcase classname="demo.gates" name="latency_p95_ms &lt;= 800" time="0"/>');
  });

  it('lone surrogates are replaced', () => {
    const xml = caseTestcase({ id: 'x\uD800y', pass: true, latency_ms: 0, scores: {} }, 'demo');

    expect(xml).toContain('name="x\uFFFDy"');
  });
});
