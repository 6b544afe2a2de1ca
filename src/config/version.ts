import { canonicalBytes, sha256Hex } from '../bundle/jcs.js';
import { ProofgateError } from '../errors.js';
import type { Material } from './files.js';

/**
 * Computes the version digest: sha256 over the JCS bytes of the parsed
 * pipeline.yaml and every material's path and sha256. Reformatting the YAML
 * or editing a comment keeps the version; changing any value or any
 * material's bytes makes a new one.
 */
export function computeVersion(canonical: Record<string, unknown>, materials: readonly Material[]): string {
  const document = {
    config: canonical,
    materials: materials.map((material) => ({ path: material.path, sha256: material.sha256 })),
  };

  try {
    return sha256Hex(canonicalBytes(document));
  } catch (error) {
    if (error instanceof ProofgateError) {
      throw new ProofgateError('CONFIG_INVALID', `the pipeline file contains a value that cannot be hashed exactly: ${error.message}`);
    }
    throw error;
  }
}
