import { scanDataset, type ScanOptions } from '../dataset/index.js';
import type { DatasetScan, DatasetSpec, Selection } from '../dataset/types.js';
import { isProofgateError } from '../errors.js';

/**
 * Scans the dataset like scanDataset, except that a shard which receives no
 * cases is not an error. Small datasets split over many CI jobs leave some
 * shards empty, and `proofgate merge` still needs their empty parts to see
 * that no shard is missing.
 */
export async function scanSelection(spec: DatasetSpec, selection: Selection, options: ScanOptions): Promise<DatasetScan> {
  try {
    return await scanDataset(spec, selection, options);
  } catch (error) {
    if (selection.shard === undefined || !isProofgateError(error) || error.code !== 'DATASET_EMPTY') throw error;
  }

  // Without the shard, an empty dataset or an empty sample still fails here.
  const whole = await scanDataset(spec, { sample: selection.sample, seed: selection.seed }, options);
  return { ...whole, cases: 0, selected: new Set() };
}
