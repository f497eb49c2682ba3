/**
 * What was done to the columns of a recipient's copy, read off the copy itself: the server does not
 * tell an external user how the deal team classified the columns (GET …/dataset is the deal team's),
 * but its transformations are recognisable (server/datasets/personal-data.ts): a pseudonym is
 * `P-` and 16 hex digits; a generalised value is a year, a band of numbers (`40000–49999`) or the
 * first characters of a text and an ellipsis. Read from the rows loaded so far.
 */
const PSEUDONYM = /^P-[0-9A-F]{16}$/;
const BAND = /^-?\d+–-?\d+$/;
const PREFIX = /^.{1,2}…$/u;
const YEAR = /^\d{4}$/;

export interface CopyTreatment {
  pseudonymised: string[];
  generalised: string[];
}

export function copyTreatmentOf(columns: string[], rows: string[][]): CopyTreatment {
  const pseudonymised: string[] = [];
  const banded: string[] = [];
  const years: string[] = [];
  columns.forEach((name, at) => {
    const values = rows.map((r) => r[at] ?? '').filter((v) => v !== '');
    if (values.length === 0) return;
    if (values.every((v) => PSEUDONYM.test(v))) pseudonymised.push(name);
    else if (values.every((v) => BAND.test(v) || PREFIX.test(v) || YEAR.test(v)) && values.some((v) => !YEAR.test(v))) banded.push(name);
    else if (values.every((v) => YEAR.test(v))) years.push(name);
  });
  // A column of bare years is a generalised date only in a copy that shows other transformations: a
  // "year founded" column of a copy delivered as stored is just that.
  const transformed = pseudonymised.length > 0 || banded.length > 0;
  const generalised = columns.filter((c) => banded.includes(c) || (transformed && years.includes(c)));
  return { pseudonymised, generalised };
}
