import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load.js';
import { GATE_OPS } from '../../src/gates/parse.js';
import { SCORER_TYPES } from '../../src/scorers/index.js';
import { REPO_ROOT } from '../helpers/cli.js';

const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'pipeline.schema.json'), 'utf8'));

describe('pipeline schema', () => {
  it('lists exactly the implemented scorer types', () => {
    const branches = schema.properties.scorers.items.oneOf as Array<{ properties: { type: { const: string } } }>;
    const inSchema = branches.map((branch) => branch.properties.type.const).sort();

    expect(inSchema).toEqual([...SCORER_TYPES].sort());
  });

  it('lists exactly the implemented gate operators', () => {
    const objectForm = (schema.properties.gates.items.anyOf as Array<{ properties?: { op?: { enum: string[] } } }>).find((branch) => branch.properties?.op);

    expect([...(objectForm?.properties?.op?.enum ?? [])].sort()).toEqual([...GATE_OPS].sort());
  });

  it('accepts every bundled example', async () => {
    const examples = readdirSync(path.join(REPO_ROOT, 'examples'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(REPO_ROOT, 'examples', entry.name, 'pipeline.yaml'))
      .filter((file) => {
        try {
          readFileSync(file);
          return true;
        } catch {
          return false;
        }
      });

    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const file of examples) {
      const pipeline = await loadPipeline(file, REPO_ROOT);
      expect(pipeline.name, file).toMatch(/^[a-z0-9]/);
    }
  });
});
