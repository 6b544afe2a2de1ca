import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// A small stand-in for the GitHub Actions runner: it evaluates the `${{ }}`
// expressions the workflows in this repository use, runs `run:` steps with
// bash the way the runner does, and passes step outputs and $GITHUB_PATH
// between steps. Steps that `uses:` another action are skipped.

type Value = string | number | boolean | null | undefined | Record<string, unknown>;

export interface StepDefinition {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}

export interface StepResult {
  id?: string;
  name?: string;
  status: 'success' | 'failure' | 'skipped';
  exitCode?: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** The $GITHUB_OUTPUT file's raw text. */
  outputFile: string;
}

export interface RunStepsOptions {
  /** Expression contexts: inputs, github, runner, env, secrets, and `steps` of earlier steps (filled in as steps run). */
  context: Record<string, Record<string, unknown>>;
  /** Environment every step starts from (the runner's GITHUB_* variables). */
  env: Record<string, string>;
  /** Folder `working-directory` values resolve against. */
  workspace: string;
  /** Step ids not to run, with the reason they cannot run here. */
  skip?: Record<string, string>;
}

/** Runs the steps in order and returns each step's result and the final `steps` context. */
export function runSteps(steps: StepDefinition[], options: RunStepsOptions): { results: StepResult[]; steps: Record<string, { outputs: Record<string, string>; outcome: string }> } {
  const stepContext = { ...(options.context.steps ?? {}) } as Record<string, { outputs: Record<string, string>; outcome: string }>;
  const context = { ...options.context, steps: stepContext };
  const results: StepResult[] = [];
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'proofgate-runner-'));
  let failed = false;
  let extraPath: string[] = [];

  steps.forEach((step, index) => {
    const skipped = (reason: string): StepResult => ({ id: step.id, name: step.name, status: 'skipped', stdout: reason, stderr: '', outputs: {}, outputFile: '' });
    if (step.uses !== undefined || (step.id !== undefined && options.skip?.[step.id] !== undefined)) {
      results.push(skipped(step.uses ?? options.skip?.[step.id ?? ''] ?? ''));
      return;
    }

    const condition = step.if === undefined ? !failed : evaluateCondition(step.if, context, failed);
    if (!condition) {
      results.push(skipped(`if: ${step.if}`));
      if (step.id) stepContext[step.id] = { outputs: {}, outcome: 'skipped' };
      return;
    }

    const outputFile = path.join(scratch, `output-${index}`);
    const pathFile = path.join(scratch, `path-${index}`);
    writeFileSync(outputFile, '');
    writeFileSync(pathFile, '');
    const script = path.join(scratch, `step-${index}.sh`);
    writeFileSync(script, interpolate(step.run ?? '', context));

    const env: Record<string, string> = { ...options.env, GITHUB_OUTPUT: outputFile, GITHUB_PATH: pathFile };
    env.PATH = [...extraPath, options.env.PATH ?? process.env.PATH ?? ''].join(path.delimiter);
    for (const [name, value] of Object.entries(step.env ?? {})) env[name] = interpolate(String(value), context);

    const cwd = path.resolve(options.workspace, interpolate(step['working-directory'] ?? '.', context));
    const child = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, encoding: 'utf8' });
    const outputText = readFileSync(outputFile, 'utf8');
    const outputs = parseOutputFile(outputText);
    extraPath = [...readFileSync(pathFile, 'utf8').split('\n').filter(Boolean).reverse(), ...extraPath];

    const status = child.status === 0 ? 'success' : 'failure';
    if (status === 'failure') failed = true;
    if (step.id) stepContext[step.id] = { outputs, outcome: status };
    results.push({ id: step.id, name: step.name, status, exitCode: child.status ?? undefined, stdout: child.stdout, stderr: child.stderr, outputs, outputFile: outputText });
  });

  return { results, steps: stepContext };
}

/** Parses $GITHUB_OUTPUT text the way the runner does: `name=value` lines and `name<<DELIMITER` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line === '') continue;

    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2] as string, index + 1);
      if (end < 0) throw new Error(`output ${heredoc[1]} has no closing delimiter`);
      outputs[heredoc[1] as string] = lines.slice(index + 1, end).join('\n');
      index = end;
      continue;
    }

    const equals = line.indexOf('=');
    if (equals < 0) throw new Error(`invalid output line: ${line}`);
    outputs[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return outputs;
}

/** Replaces every `${{ expression }}` in text with its value. */
export function interpolate(text: string, context: Record<string, unknown>): string {
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) => stringify(evaluate(expression, context, false)));
}

/** Evaluates an `if:` condition; with no status function in it, `success() &&` is implied, as on GitHub. */
export function evaluateCondition(expression: string, context: Record<string, unknown>, failed: boolean): boolean {
  const text = expression.replace(/^\s*\$\{\{(.*)\}\}\s*$/s, '$1');
  const value = truthy(evaluate(text, context, failed));
  return /\b(always|failure|success|cancelled)\(\)/.test(text) ? value : value && !failed;
}

function evaluate(expression: string, context: Record<string, unknown>, failed: boolean): Value {
  const tokens = expression.match(/'(?:[^']|'')*'|\|\||&&|==|!=|!|\(|\)|[A-Za-z_][A-Za-z0-9_.-]*|-?\d+(?:\.\d+)?|\S/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  const primary = (): Value => {
    const token = next();
    if (token === undefined) throw new Error(`unexpected end of expression: ${expression}`);
    if (token === '(') {
      const value = or();
      next();
      return value;
    }
    if (token === '!') return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (/^-?\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    if (peek() === '(') {
      next();
      next();
      if (token === 'always') return true;
      if (token === 'success') return !failed;
      if (token === 'failure') return failed;
      if (token === 'cancelled') return false;
      throw new Error(`unsupported function ${token}() in ${expression}`);
    }
    return lookup(context, token);
  };

  const comparison = (): Value => {
    const left = primary();
    const operator = peek();
    if (operator !== '==' && operator !== '!=') return left;
    next();
    const equal = looseEquals(left, primary());
    return operator === '==' ? equal : !equal;
  };

  const and = (): Value => {
    let value = comparison();
    while (peek() === '&&') {
      next();
      const right = comparison();
      value = truthy(value) ? right : value;
    }
    return value;
  };

  const or = (): Value => {
    let value = and();
    while (peek() === '||') {
      next();
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  };

  const value = or();
  if (position !== tokens.length) throw new Error(`could not parse expression: ${expression}`);
  return value;
}

function lookup(context: Record<string, unknown>, dotted: string): Value {
  let value: unknown = context;
  for (const part of dotted.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value as Value;
}

// GitHub compares strings ignoring case and treats a missing value as ''.
function looseEquals(left: Value, right: Value): boolean {
  const normalize = (value: Value) => {
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value.toLowerCase() : value;
  };
  return normalize(left) === normalize(right);
}

function truthy(value: Value): boolean {
  return value !== undefined && value !== null && value !== false && value !== '' && value !== 0;
}

function stringify(value: Value): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
