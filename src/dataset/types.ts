export type DatasetFormat = 'jsonl' | 'csv' | 'json' | 'yaml';

/** A condition that marks a record as not being a case (a header row, an embedded prompt). */
export interface SkipRule {
  field: string;
  exists?: boolean;
  equals?: unknown;
}

/** The `dataset:` block of pipeline.yaml with paths already resolved. */
export interface DatasetSpec {
  /** Absolute path of the dataset file. */
  path: string;
  /** Path relative to the project root, as recorded in bundles and messages. */
  displayPath: string;
  format: DatasetFormat;
  /** Field holding the case id; without it the id is the record's line (JSONL, CSV) or 1-based position (JSON, YAML). */
  idField?: string;
  /** Records missing any of these fields are skipped, not run. */
  require: string[];
  skipIf: SkipRule[];
}

/** One case of the golden set, in dataset order. */
export interface Case {
  id: string;
  /** 0-based position among the selected cases, which is also the order in the bundle. */
  index: number;
  /** 1-based line where the record starts, when the format has lines. */
  line?: number;
  vars: Record<string, unknown>;
}

export interface Selection {
  sample?: number;
  seed?: string;
  /** `{ index, count }` for `--shard index/count`; index is 1-based. */
  shard?: { index: number; count: number };
}

/** The result of a full pass over the dataset, made before any case runs. */
export interface DatasetScan {
  sha256: string;
  bytes: number;
  /** Records read, including skipped ones. */
  records: number;
  skipped: number;
  /** Cases after skipping and selection. */
  cases: number;
  /** Record ordinals (0-based, among records that are cases) chosen by the selection; undefined when all are. */
  selected?: Set<number>;
}
