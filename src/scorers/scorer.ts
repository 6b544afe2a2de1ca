/** One scorer's judgement of one output. `score` is in [0, 1]. */
export interface ScoreResult {
  score: number;
  pass: boolean;
  /** Short reason, set when the output failed. */
  reason?: string;
}

export interface ScoreInput {
  /** The target's output: usually a string, possibly any JSON value or null. */
  output: unknown;
  /** The case's fields, which string parameters are templated over. */
  vars: Record<string, unknown>;
  id: string;
}

export interface Scorer {
  readonly name: string;
  readonly type: string;
  score(input: ScoreInput): Promise<ScoreResult> | ScoreResult;
}

/** A `scorers:` entry of pipeline.yaml after schema validation. */
export interface ScorerSpec {
  name: string;
  type: string;
  negate?: boolean;
  [parameter: string]: unknown;
}

export interface ScorerContext {
  /** Directory that relative paths in parameters (command argv, schema files) resolve against. */
  baseDir: string;
  /** Loads a `file:` parameter already checked to be inside the project; returns its text. */
  readFile(reference: string): string;
}
