/**
 * One CSV cell. A cell that a spreadsheet would read as a formula (= + - @, or a leading tab/CR) gets
 * a leading apostrophe, so an exported audit trail can never execute anything when opened.
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (values: unknown[]) => `${values.map(csvCell).join(',')}\r\n`;
