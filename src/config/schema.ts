import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/** One schema violation, with the path into the document as a list of keys. */
export interface SchemaProblem {
  path: Array<string | number>;
  /** Point at the key rather than the value (unknown properties). */
  atKey: boolean;
  message: string;
}

let validator: ValidateFunction | undefined;

// Compiled on first use so that commands which never read a pipeline
// (`--version`, `keygen`) do not pay for schema compilation at start-up.
function getValidator(): ValidateFunction {
  if (validator) return validator;

  const schema = JSON.parse(readFileSync(new URL('../../schemas/pipeline.schema.json', import.meta.url), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, strict: true });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  validator = ajv.compile(schema);
  return validator;
}

/** Validates a parsed pipeline.yaml against schemas/pipeline.schema.json. */
export function validatePipelineSchema(value: unknown): SchemaProblem[] {
  const validate = getValidator();
  if (validate(value)) return [];
  return simplifyErrors(validate.errors ?? []);
}

function simplifyErrors(errors: ErrorObject[]): SchemaProblem[] {
  // anyOf/oneOf report every branch's failure; when a branch failed deeper
  // inside the value, that deeper error is the useful one.
  const deepest = errors.filter(
    (error) =>
      !(['anyOf', 'oneOf'].includes(error.keyword) && errors.some((other) => other !== error && other.instancePath.startsWith(`${error.instancePath}/`))),
  );
  const branchParents = new Set(
    deepest.filter((error) => ['anyOf', 'oneOf'].includes(error.keyword)).map((error) => error.instancePath),
  );

  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const error of deepest) {
    // The individual branch errors of a failed anyOf at the same path repeat it in worse words.
    if (branchParents.has(error.instancePath) && !['anyOf', 'oneOf'].includes(error.keyword)) continue;

    const problem = describe(error);
    const key = `${problem.path.join('/')}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }

  return problems;
}

function pathOf(instancePath: string): Array<string | number> {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function hintOf(error: ErrorObject): string | undefined {
  const schema = error.parentSchema as Record<string, unknown> | undefined;
  const hint = schema?.['x-hint'];
  return typeof hint === 'string' ? hint : undefined;
}

function describe(error: ErrorObject): SchemaProblem {
  const path = pathOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const hint = hintOf(error);
  const got = formatValue(error.data);

  switch (error.keyword) {
    case 'required':
      return { path, atKey: false, message: `missing required property "${String(params.missingProperty)}"` };
    case 'additionalProperties': {
      const property = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).filter((name) => name !== '$schema');
      return {
        path: [...path, property],
        atKey: true,
        message: `unknown property "${property}"; allowed here: ${allowed.join(', ')}`,
      };
    }
    case 'enum':
      return { path, atKey: false, message: `must be one of ${(params.allowedValues as unknown[]).map(formatValue).join(', ')}; got ${got}` };
    case 'const':
      return { path, atKey: false, message: `must be ${formatValue(params.allowedValue)}; got ${got}` };
    case 'type':
      return { path, atKey: false, message: hint ?? `must be ${article(String(params.type))}; got ${got}` };
    case 'discriminator':
      return describeDiscriminator(error, path);
    case 'minProperties':
    case 'maxProperties':
    case 'pattern':
    case 'anyOf':
    case 'oneOf':
      return { path, atKey: false, message: `${hint ?? error.message ?? 'is invalid'}; got ${got}` };
    default:
      return { path, atKey: false, message: `${error.message ?? 'is invalid'}; got ${got}` };
  }
}

function describeDiscriminator(error: ErrorObject, path: Array<string | number>): SchemaProblem {
  const branches = (error.parentSchema as { oneOf?: Array<{ properties?: { type?: { const?: string } } }> }).oneOf ?? [];
  const types = branches.map((branch) => branch.properties?.type?.const).filter((type): type is string => typeof type === 'string');
  const value = (error.params as { tagValue?: unknown }).tagValue;
  return {
    path: [...path, 'type'],
    atKey: false,
    message: `unknown scorer type ${formatValue(value)}; known types: ${types.join(', ')}`,
  };
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
