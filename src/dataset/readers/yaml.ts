import { isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';

import { ProofgateError } from '../../errors.js';
import type { RawRecord } from '../records.js';
import { describeValue, isPlainRecord } from './describe.js';

// Same limit as the yaml package's default: it stops alias expansion ("billion laughs") from exhausting memory.
const MAX_ALIAS_COUNT = 100;

/**
 * Parses a YAML file holding a list of mappings, with the YAML 1.2 core schema,
 * so `yes` and `Off` stay strings. A key repeated in one mapping is an error.
 */
export function* readYamlRecords(text: string, displayPath: string): Generator<RawRecord> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: false });
  const position = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${displayPath}:${line}:${col}`;
  };

  throwParseErrors(document.errors, position);
  keepNumberSourceText(document);

  const root = document.contents;
  if (root === null) return;

  const items = toPlainValue(document, displayPath);
  if (!isSeq(root) || !Array.isArray(items)) {
    throw new ProofgateError('DATASET_INVALID', `${position(root.range?.[0] ?? 0)}: expected a YAML list of mappings ("- key: value"), found ${describeValue(items)}`);
  }

  for (const [index, item] of items.entries()) {
    const node = root.items[index];
    const offset = isNode(node) ? (node.range?.[0] ?? 0) : 0;
    if (!isPlainRecord(item)) {
      throw new ProofgateError('DATASET_INVALID', `${position(offset)}: item ${index + 1} is ${describeValue(item)}; every item of the list must be a mapping`);
    }

    yield { record: item, line: lineCounter.linePos(offset).line, ordinal: index };
  }
}

function throwParseErrors(errors: readonly YAMLError[], position: (offset: number) => string): void {
  if (errors.length === 0) return;

  const problems = errors.map((error) => ({
    where: position(error.pos[0]),
    reason: error.code === 'DUPLICATE_KEY' ? 'duplicate key; a key may appear once per mapping' : error.message,
  }));
  const first = problems[0] as { where: string; reason: string };
  const more = problems.length > 1 ? ` (${problems.length - 1} more problems listed)` : '';
  throw new ProofgateError('DATASET_INVALID', `${first.where}: invalid YAML: ${first.reason}${more}`, {
    details: problems.map((problem) => `${problem.where}: ${problem.reason}`),
  });
}

/**
 * Keeps a plain scalar as its source text when it resolves to a number that
 * prints differently (`3.10`, `007`, `18.0`, `1e3`, `0x1F`, `.5`, `.inf`), so an
 * expected answer never changes without notice. Explicitly tagged scalars
 * (`!!float 3.10`) keep their number.
 */
function keepNumberSourceText(document: Document): void {
  visit(document, {
    Scalar(_key, node) {
      if (!isScalar(node) || typeof node.value !== 'number') return;
      if (node.type !== 'PLAIN' || node.tag !== undefined || node.source === undefined) return;
      if (String(node.value) !== node.source) node.value = node.source;
    },
  });
}

function toPlainValue(document: Document, displayPath: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProofgateError('DATASET_INVALID', `${displayPath}: cannot expand YAML aliases: ${reason}`, { cause: error });
  }
}
