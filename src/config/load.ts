import { readFileSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { parseApprovalPolicy } from '../approval/policy.js';
import { detectFormat } from '../dataset/formats.js';
import type { DatasetSpec, SkipRule } from '../dataset/types.js';
import { ProofgateError } from '../errors.js';
import { resolveGates } from '../gates/parse.js';
import { findWorkTreeRoot } from '../git/state.js';
import { parseMetricExpression, resolveMetrics } from '../metrics/parse.js';
import { createScorer, scorerFields } from '../scorers/index.js';
import type { ScorerSpec } from '../scorers/scorer.js';
import type { TargetSpec } from '../targets/index.js';
import { templateFields } from '../template.js';
import { FILE_REFERENCE_PREFIX, hashFile, isFileReference, resolveInsideRoot, toProjectPath, type Material } from './files.js';
import type { LoadedPipeline } from './pipeline.js';
import { validatePipelineSchema } from './schema.js';
import { computeVersion } from './version.js';
import { parseYaml, type PositionedYaml } from './yaml.js';

type ValuePath = Array<string | number>;

/** Collects every problem with its location so the user sees all of them at once. */
class ProblemList {
  readonly lines: string[] = [];

  constructor(
    private readonly displayPath: string,
    private readonly yaml: PositionedYaml,
  ) {}

  add(valuePath: ValuePath, message: string, atKey = false): void {
    const position = this.yaml.locate(valuePath, atKey ? 'key' : 'value');
    const where = position ? `${this.displayPath}:${position.line}:${position.col}` : this.displayPath;
    const label = formatValuePath(valuePath);
    this.lines.push(label ? `${where}: ${label}: ${message}` : `${where}: ${message}`);
  }

  throwIfAny(): void {
    if (this.lines.length === 0) return;
    const count = this.lines.length === 1 ? 'a problem' : `${this.lines.length} problems`;
    throw new ProofgateError('CONFIG_INVALID', `${this.displayPath} has ${count}; nothing was run`, { details: this.lines });
  }
}

/** Formats a value path the way a user would write it: `scorers[0].type`. */
export function formatValuePath(valuePath: ValuePath): string {
  return valuePath
    .map((step, index) => {
      if (typeof step === 'number') return `[${step}]`;
      return index === 0 ? step : `.${step}`;
    })
    .join('');
}

/**
 * Loads pipeline.yaml: YAML with positions, the JSON Schema, the checks the
 * schema cannot express, every file reference and material, and the version.
 * Throws CONFIG_INVALID listing every problem found.
 */
export async function loadPipeline(file: string, cwd: string): Promise<LoadedPipeline> {
  const absolute = path.resolve(cwd, file);
  const displayPath = path.relative(cwd, absolute) || absolute;
  const text = readPipelineText(absolute, displayPath);

  const yaml = parseYaml(text);
  const problems = new ProblemList(displayPath, yaml);
  for (const problem of yaml.problems) {
    problems.lines.push(`${displayPath}:${problem.position?.line ?? 1}:${problem.position?.col ?? 1}: ${problem.message}`);
  }
  problems.throwIfAny();

  if (yaml.value === null || typeof yaml.value !== 'object' || Array.isArray(yaml.value)) {
    throw new ProofgateError('CONFIG_INVALID', `${displayPath}: expected a mapping with name, target, dataset and scorers`);
  }

  for (const problem of validatePipelineSchema(yaml.value)) {
    problems.add(problem.path, problem.message, problem.atKey);
  }
  problems.throwIfAny();

  const canonical = yaml.value as Record<string, unknown>;
  const baseDir = path.dirname(absolute);
  const root = (await findWorkTreeRoot(baseDir)) ?? baseDir;
  const files = new FileReferences(root, baseDir);
  return assemble({ canonical, absolute, root, baseDir, yaml, problems, files, text });
}

function readPipelineText(absolute: string, displayPath: string): string {
  try {
    return readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ProofgateError('CONFIG_NOT_FOUND', `pipeline file ${displayPath} not found; pass its path, e.g. proofgate run path/to/pipeline.yaml`);
    }
    throw new ProofgateError('CONFIG_NOT_FOUND', `cannot read pipeline file ${displayPath}: ${(error as Error).message}`);
  }
}

/** Loads `file:` references once each, recording them as materials. */
class FileReferences {
  readonly texts = new Map<string, string>();
  readonly materials = new Map<string, Material>();

  constructor(
    readonly root: string,
    readonly baseDir: string,
  ) {}

  read(reference: string): string {
    const known = this.texts.get(reference);
    if (known !== undefined) return known;

    const relative = reference.slice(FILE_REFERENCE_PREFIX.length).trim();
    const absolute = resolveInsideRoot(this.root, this.baseDir, relative, 'file reference');
    const { material, bytes } = hashFile(this.root, absolute);
    const text = bytes.toString('utf8');
    this.materials.set(material.path, material);
    this.texts.set(reference, text);
    return text;
  }

  addMaterial(absolute: string): void {
    const { material } = hashFile(this.root, absolute);
    this.materials.set(material.path, material);
  }
}

interface AssemblyInput {
  canonical: Record<string, unknown>;
  absolute: string;
  root: string;
  baseDir: string;
  yaml: PositionedYaml;
  problems: ProblemList;
  files: FileReferences;
  text: string;
}

async function assemble(input: AssemblyInput): Promise<LoadedPipeline> {
  const { canonical, root, baseDir, yaml, problems, files } = input;

  const pipelineConfig = attempt(problems, ['config'], () => resolveConfigFiles(canonical.config ?? {}, files, problems)) ?? {};
  const target = attempt(problems, ['target'], () => checkTarget(canonical.target as TargetSpec, files, problems));
  const scorers = checkScorers(canonical.scorers as ScorerSpec[], files, problems);
  const metrics = checkMetrics(canonical.metrics as Record<string, string> | undefined, scorers, problems);
  // When a metric expression is invalid, gates are still checked against the names the file defines.
  const metricNames = metrics.length > 0 ? metrics.map((metric) => metric.name) : [...Object.keys((canonical.metrics as object | undefined) ?? {}), 'error_rate'];
  const gates = checkGates(canonical.gates as unknown[] | undefined, metricNames, problems);
  const dataset = attempt(problems, ['dataset', 'path'], () => checkDataset(canonical.dataset as RawDataset, root, baseDir));
  const approval = canonical.approval === undefined ? undefined : attempt(problems, ['approval'], () => parseApprovalPolicy(canonical.approval, { root, baseDir }));
  await addGlobMaterials(canonical.materials as string[] | undefined, files, problems);
  problems.throwIfAny();

  const materials = [...files.materials.values()].sort((a, b) => compareText(a.path, b.path));
  const requiredFields = [...new Set([...scorers.flatMap((scorer) => scorerFields(scorer)), ...targetFields(target as TargetSpec, files)])];

  return {
    file: input.absolute,
    root,
    baseDir,
    source: hashFile(root, input.absolute).material,
    name: canonical.name as string,
    description: canonical.description as string | undefined,
    canonical,
    target: target as TargetSpec,
    concurrency: (canonical.concurrency as number | undefined) ?? 8,
    pipelineConfig,
    dataset: dataset as DatasetSpec,
    scorers,
    metrics,
    gates,
    ...(approval === undefined ? {} : { approval }),
    requiredFields,
    materials,
    version: computeVersion(canonical, materials),
    fileTexts: files.texts,
    locate: (valuePath) => yaml.locate(valuePath),
  };
}

/** Runs one check; a ProofgateError becomes a located problem instead of ending the load. */
function attempt<T>(problems: ProblemList, valuePath: ValuePath, check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ProofgateError)) throw error;
    problems.add(valuePath, error.message);
    return undefined;
  }
}

function resolveConfigFiles(value: unknown, files: FileReferences, problems: ProblemList, valuePath: ValuePath = ['config']): any {
  if (isFileReference(value)) {
    return attempt(problems, valuePath, () => files.read(value));
  }

  if (Array.isArray(value)) {
    return value.map((item, index) => resolveConfigFiles(item, files, problems, [...valuePath, index]));
  }

  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveConfigFiles(item, files, problems, [...valuePath, key])]),
    );
  }

  return value;
}

function checkTarget(target: TargetSpec, files: FileReferences, problems: ProblemList): TargetSpec {
  if ('openai' in target) {
    const openai = target.openai;
    const hasMessages = openai.messages !== undefined;
    const hasPrompt = openai.prompt !== undefined;
    if (hasMessages === hasPrompt) {
      problems.add(['target', 'openai'], 'set exactly one of messages (a list of {role, content}) or prompt (one user message)');
    }

    openai.messages?.forEach((message, index) => {
      if (isFileReference(message.content)) attempt(problems, ['target', 'openai', 'messages', index, 'content'], () => files.read(message.content));
    });
    if (isFileReference(openai.prompt)) attempt(problems, ['target', 'openai', 'prompt'], () => files.read(openai.prompt as string));
  }

  if ('replay' in target && target.replay.path !== undefined) {
    const recordings = target.replay.path;
    attempt(problems, ['target', 'replay', 'path'], () =>
      files.addMaterial(resolveInsideRoot(files.root, files.baseDir, recordings, 'recordings file')),
    );
  }

  return target;
}

/** Case fields the target's templates refer to, read from the loaded prompt files. */
function targetFields(target: TargetSpec, files: FileReferences): string[] {
  if (!('openai' in target)) return [];

  const contents = [...(target.openai.messages ?? []).map((message) => message.content), ...(target.openai.prompt ? [target.openai.prompt] : [])];
  return contents.flatMap((content) => templateFields(isFileReference(content) ? (files.texts.get(content) ?? '') : content));
}

function checkScorers(specs: ScorerSpec[], files: FileReferences, problems: ProblemList): ScorerSpec[] {
  const seen = new Map<string, number>();
  specs.forEach((spec, index) => {
    const first = seen.get(spec.name);
    if (first !== undefined) {
      problems.add(['scorers', index, 'name'], `scorer name "${spec.name}" is already used by scorers[${first}]; names must be unique`);
    }
    seen.set(spec.name, index);

    attempt(problems, ['scorers', index], () => createScorer(spec, { baseDir: files.baseDir, readFile: (reference) => files.read(reference) }));
  });

  return specs;
}

function checkMetrics(metrics: Record<string, string> | undefined, scorers: ScorerSpec[], problems: ProblemList) {
  const scorerNames = scorers.map((scorer) => scorer.name);
  const before = problems.lines.length;
  for (const [name, expression] of Object.entries(metrics ?? {})) {
    attempt(problems, ['metrics', name], () => parseMetricExpression(name, expression, scorerNames));
  }

  // resolveMetrics would report the same bad expression a second time.
  if (problems.lines.length > before) return [];
  return attempt(problems, ['metrics'], () => resolveMetrics(metrics ?? {}, scorerNames)) ?? [];
}

function checkGates(inputs: unknown[] | undefined, metricNames: string[], problems: ProblemList) {
  const gates = (inputs ?? []) as Parameters<typeof resolveGates>[0];
  const before = problems.lines.length;
  gates.forEach((gate, index) =>
    attempt(problems, ['gates', index], () => {
      for (const resolved of resolveGates([gate], metricNames)) assertSignableThreshold(resolved.threshold);
    }),
  );
  if (problems.lines.length > before) return [];
  return attempt(problems, ['gates'], () => resolveGates(gates, metricNames)) ?? [];
}

// The threshold is written into the signed bundle, which cannot hold an integer beyond 2^53 exactly.
function assertSignableThreshold(threshold: number): void {
  if (Number.isInteger(threshold) && !Number.isSafeInteger(threshold)) {
    throw new ProofgateError('CONFIG_INVALID', `threshold ${threshold} is beyond 2^53 and cannot be recorded exactly; use a smaller number`);
  }
}

interface RawDataset {
  path: string;
  format?: DatasetSpec['format'];
  id?: string;
  require?: string[];
  skip_if?: SkipRule[];
}

function checkDataset(raw: RawDataset, root: string, baseDir: string): DatasetSpec {
  const absolute = resolveInsideRoot(root, baseDir, raw.path, 'dataset');
  const format = raw.format ?? detectFormat(absolute);
  if (!format) {
    throw new ProofgateError('CONFIG_INVALID', `cannot tell the format of dataset "${raw.path}" from its extension; use .jsonl, .csv, .json, .yaml or set format:`);
  }

  return {
    path: absolute,
    displayPath: toProjectPath(root, absolute),
    format,
    idField: raw.id,
    require: raw.require ?? [],
    skipIf: raw.skip_if ?? [],
  };
}

async function addGlobMaterials(patterns: string[] | undefined, files: FileReferences, problems: ProblemList): Promise<void> {
  for (const [index, pattern] of (patterns ?? []).entries()) {
    const matches = await glob(pattern, { cwd: files.baseDir, absolute: true, onlyFiles: true, dot: true, followSymbolicLinks: false });
    if (matches.length === 0) {
      problems.add(['materials', index], `pattern "${pattern}" matched no files (patterns are relative to the pipeline file's folder)`);
      continue;
    }

    for (const match of matches.sort()) {
      attempt(problems, ['materials', index], () => files.addMaterial(resolveInsideRoot(files.root, files.baseDir, path.relative(files.baseDir, match), 'material')));
    }
  }
}

// Code-unit order, independent of locale, so the version digest is the same on every machine.
function compareText(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}
