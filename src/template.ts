// `{{field}}` templates over a case's fields. Dotted paths reach into nested
// objects and arrays (`{{meta.source}}`, `{{choices.0}}`). A field the case does
// not have is an error rather than an empty string, because an empty expected
// value would let a wrong output pass silently.

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}/g;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Lists the field paths a template refers to, in order of appearance. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

export function hasPlaceholders(template: string): boolean {
  // test() on the shared global pattern would move its lastIndex and make the
  // next matchAll or replace skip the start of another template.
  return templateFields(template).length > 0;
}

/** Looks up a dotted path; `undefined` when any step is missing. */
export function lookupField(vars: Record<string, unknown>, path: string): unknown {
  let current: unknown = vars;
  for (const step of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, step)) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** Formats a field value the way it is spliced into text. */
export function stringifyValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Replaces every placeholder with the case's value; throws TemplateError for a missing field. */
export function renderTemplate(template: string, vars: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_whole, path: string) => {
    const value = lookupField(vars, path);
    if (value === undefined) {
      throw new TemplateError(`the case has no field "${path}" used in "${template}"`);
    }
    return stringifyValue(value);
  });
}

/**
 * Renders a template that is exactly one placeholder to the field's own value,
 * keeping its type (a number stays a number); any other template renders to text.
 */
export function renderValue(template: string, vars: Record<string, unknown>): unknown {
  const whole = /^\{\{\s*([A-Za-z0-9_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}$/.exec(template);
  if (whole) {
    const value = lookupField(vars, whole[1] as string);
    if (value === undefined) {
      throw new TemplateError(`the case has no field "${whole[1]}" used in "${template}"`);
    }
    return value;
  }
  return renderTemplate(template, vars);
}
