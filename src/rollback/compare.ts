import { canonicalJson } from '../bundle/jcs.js';
import type { EvalPredicate } from '../bundle/statement.js';
import type { LoadedPipeline } from '../config/pipeline.js';

/**
 * Explains why a loaded pipeline's version differs from the version a bundle
 * recorded: one sentence per material that is missing, new or changed, and
 * one when the parsed config differs.
 */
export function describeVersionDifference(loaded: LoadedPipeline, predicate: EvalPredicate): string[] {
  const lines: string[] = [];
  const recorded = new Map(predicate.materials.map((material) => [material.path, material]));
  const current = new Map(loaded.materials.map((material) => [material.path, material]));

  if (canonicalJson(loaded.canonical) !== canonicalJson(predicate.pipeline.config)) {
    lines.push(`${loaded.source.path}: the parsed config differs from the one the bundle recorded`);
  }

  for (const [file, material] of recorded) {
    const now = current.get(file);

    if (now === undefined) {
      lines.push(`${file}: a material of the target version, but the restored config does not use it`);
    } else if (now.sha256 !== material.sha256) {
      lines.push(`${file}: sha256 ${now.sha256.slice(0, 12)} after restoring, the bundle recorded ${material.sha256.slice(0, 12)}`);
    }
  }

  for (const file of current.keys()) {
    if (!recorded.has(file)) {
      lines.push(`${file}: now a material, but not one of the target version. Move it out of the materials globs`);
    }
  }

  return lines.length > 0 ? lines : ['every file matches, so the version formula differs from the one that wrote the bundle (was the bundle written by another proofgate version?)'];
}
