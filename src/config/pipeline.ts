import type { ApprovalPolicy } from '../approval/policy.js';
import type { DatasetSpec } from '../dataset/types.js';
import type { GateSpec } from '../gates/parse.js';
import type { MetricSpec } from '../metrics/parse.js';
import type { ScorerSpec } from '../scorers/scorer.js';
import type { TargetSpec } from '../targets/index.js';
import type { Material } from './files.js';
import type { SourcePosition } from './yaml.js';

/** A pipeline.yaml that passed every check, with its files resolved and its version computed. */
export interface LoadedPipeline {
  /** Absolute path of pipeline.yaml. */
  file: string;
  /** Top of the git work tree holding the file, else the file's directory. */
  root: string;
  /** Directory of pipeline.yaml; relative paths in it resolve from here. */
  baseDir: string;
  /** pipeline.yaml's own path, sha256 and git blob id. */
  source: Material;
  name: string;
  description?: string;
  /** The file's content as JSON: what the version digest covers, besides the materials. */
  canonical: Record<string, unknown>;
  target: TargetSpec;
  concurrency: number;
  /** `config:` as the pipeline receives it, with `file:` values replaced by the files' text. */
  pipelineConfig: Record<string, unknown>;
  dataset: DatasetSpec;
  scorers: ScorerSpec[];
  metrics: MetricSpec[];
  gates: GateSpec[];
  /** The `approval:` block; undefined when the file has none. */
  approval?: ApprovalPolicy;
  /** Case fields that templates refer to; every case must have them. */
  requiredFields: string[];
  /** Every file whose bytes define the version, sorted by path. */
  materials: Material[];
  /** sha256 hex over JCS({ config, materials }). */
  version: string;
  /** Text of each `file:` reference the pipeline uses, by reference. */
  fileTexts: ReadonlyMap<string, string>;
  /** Position in pipeline.yaml of a value path, for messages and CI annotations. */
  locate(path: ReadonlyArray<string | number>): SourcePosition | undefined;
}
