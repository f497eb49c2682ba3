import type { DatasetClassification, DatasetDescription } from './dataset-types.js';

/**
 * The columns of a dataset's current version that the deal team has not looked at: every column
 * until they first classify it, and afterwards those a new version brought (a column or sheet
 * renamed, added). A classification names only the columns it gives a role, so a column it does not
 * name is `none` — delivered as stored — and that reading holds only for the columns that were
 * there when the deal team classified (`seen`); a `Full name` that replaced `Name` was never `none`.
 */
export function unclassifiedColumns(description: DatasetDescription, classification: DatasetClassification): Array<{ sheet: string; name: string }> {
  const seen = new Set((classification.seen ?? []).flatMap((s) => s.columns.map((name) => `${s.sheet}\0${name}`)));
  return description.sheets.flatMap((s) => s.columns.filter((c) => !seen.has(`${s.name}\0${c.name}`)).map((c) => ({ sheet: s.name, name: c.name })));
}
