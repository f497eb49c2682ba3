import type { FieldErrors } from '../../field-errors.js';

/**
 * The email domains as typed (one a line, or separated by commas or spaces), as the API takes them:
 * lower-case, without a leading "@", each once.
 */
export function parseDomains(text: string): string[] {
  const domains = text
    .split(/[\s,;]+/)
    .map((d) => d.trim().replace(/^@/, '').toLowerCase())
    .filter(Boolean);
  return [...new Set(domains)];
}

/**
 * The server names a wrong domain by its place in the list (`domains.1`); the form has one field for
 * them all, so such errors are shown there, each with the domain it is about.
 */
export function foldDomainErrors(fields: FieldErrors, domains: string[]): FieldErrors {
  const folded: FieldErrors = {};
  const aboutDomains: string[] = [];
  for (const [field, why] of Object.entries(fields)) {
    const item = /^domains\.(\d+)$/.exec(field);
    if (item) aboutDomains.push(`${domains[Number(item[1])] ?? `domain ${Number(item[1]) + 1}`}: ${why}`);
    else if (field === 'domains') aboutDomains.unshift(why);
    else folded[field] = why;
  }
  if (aboutDomains.length) folded.domains = aboutDomains.join('; ');
  return folded;
}
