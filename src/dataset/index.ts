export { detectFormat, isDatasetFormat, resolveFormat, DATASET_FORMATS } from './formats.js';
export { readRecords, type RawRecord, type ReadRecordsOptions } from './records.js';
export { isSkipped, deepEqual } from './skip.js';
export {
  createCaseSelector,
  checkSelection,
  describeSelection,
  parseShard,
  sampleKey,
  shardIndex,
  DEFAULT_SEED,
  type CaseSelector,
  type SelectionEntry,
  type SelectionVerdict,
} from './select.js';
export { scanDataset, type ScanOptions } from './scan.js';
export { readCases } from './read.js';
export type { Case, DatasetFormat, DatasetScan, DatasetSpec, Selection, SkipRule } from './types.js';
