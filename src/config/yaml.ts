import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export interface SourcePosition {
  line: number;
  col: number;
}

export interface YamlProblem {
  message: string;
  position?: SourcePosition;
}

/** A parsed YAML file that can map a value path back to a line and column. */
export interface PositionedYaml {
  value: unknown;
  problems: YamlProblem[];
  /** Position of the node at `path`, or of its nearest existing ancestor. */
  locate(path: ReadonlyArray<string | number>, where?: 'key' | 'value'): SourcePosition | undefined;
}

/**
 * Parses YAML 1.2 with the core schema, so `yes` and `Off` stay strings, and
 * reports duplicate keys as errors rather than keeping the last one.
 */
export function parseYaml(text: string): PositionedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: '1.2', schema: 'core' });
  const problems: YamlProblem[] = document.errors.map((error) => ({
    message: error.code === 'MULTIPLE_DOCS' ? 'the file contains more than one YAML document (a second `---`); keep only one' : (error.message.split('\n')[0] ?? error.message),
    position: positionAt(lineCounter, error.pos[0]),
  }));

  let value: unknown;
  if (problems.length === 0) {
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // The yaml package refuses documents whose aliases expand beyond the count, such as a "billion laughs" file.
      problems.push({ message: `the document cannot be expanded: ${(error as Error).message}`, position: { line: 1, col: 1 } });
    }
  }

  return {
    value,
    problems,
    locate: (path, where = 'value') => locateNode(document, lineCounter, path, where),
  };
}

function positionAt(lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, col };
}

function locateNode(
  document: Document,
  lineCounter: LineCounter,
  path: ReadonlyArray<string | number>,
  where: 'key' | 'value',
): SourcePosition | undefined {
  let node: unknown = document.contents;
  let keyNode: unknown;

  for (const step of path) {
    const child = childOf(node, step);
    if (!child) break;
    node = child.value;
    keyNode = child.key;
  }

  const target = where === 'key' && isNode(keyNode) ? keyNode : isNode(node) ? node : keyNode;
  if (!isNode(target) || !target.range) return undefined;
  return positionAt(lineCounter, target.range[0]);
}

function childOf(node: unknown, step: string | number): { key?: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(step));
    return pair ? { key: pair.key, value: pair.value ?? pair.key } : undefined;
  }

  if (isSeq(node) && typeof step === 'number') {
    const item = node.items[step];
    return item === undefined ? undefined : { value: item as Node };
  }

  return undefined;
}
