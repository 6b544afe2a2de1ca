import { describe, expect, it } from 'vitest';
import { hasPlaceholders, renderTemplate, renderValue, templateFields, TemplateError } from '../src/template.js';

describe('templates', () => {
  it('finds fields after hasPlaceholders ran', () => {
    expect(hasPlaceholders('{{answer}}')).toBe(true);
    expect(templateFields('What is {{q}}?')).toEqual(['q']);
    expect(renderTemplate('What is {{q}}?', { q: '2 plus 3' })).toBe('What is 2 plus 3?');
  });

  it('renders dotted paths and keeps types', () => {
    expect(renderTemplate('{{ meta.source }}/{{list.1}}', { meta: { source: 'faq' }, list: ['a', 'b'] })).toBe('faq/b');
    expect(renderValue('{{n}}', { n: 18 })).toBe(18);
  });

  it('rejects a missing field', () => {
    expect(() => renderTemplate('{{missing}}', {})).toThrow(TemplateError);
    expect(hasPlaceholders('no fields here')).toBe(false);
  });
});
