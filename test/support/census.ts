/**
 * A generated employee census, as a seller's HR exports it: a few thousand people over the group's
 * entities, with columns that identify a person (employee number, name, email), columns that do in
 * combination (birth date, postcode, salary) and columns that do not (department, grade). Seeded:
 * the same census every run.
 */
export interface CensusPerson {
  employeeId: string;
  name: string;
  email: string;
  birthDate: string;
  postcode: string;
  salary: string;
  entity: string;
  department: string;
  grade: string;
}

export const CENSUS_HEADER = ['Employee ID', 'Name', 'Email', 'Birth date', 'Postcode', 'Salary', 'Entity', 'Department', 'Grade'] as const;

/** The entity column's values: the room's two targets and a third entity mapped to none of them. */
export const CENSUS_ENTITY_VALUES = ['Falcon GmbH', 'Falcon Ltd', 'Falcon BV'];

/** How the deal team classifies the census: who a row is, what identifies them, whose entity it is. */
export const CENSUS_CLASSIFICATION = {
  columns: [
    { name: 'Employee ID', role: 'direct' },
    { name: 'Name', role: 'direct' },
    { name: 'Email', role: 'direct' },
    { name: 'Birth date', role: 'quasi' },
    { name: 'Postcode', role: 'quasi' },
    { name: 'Salary', role: 'quasi' },
  ],
  subjectColumn: { name: 'Employee ID' },
  entityColumn: { name: 'Entity' },
};


const FIRST = ['Anna', 'Ben', 'Chiara', 'Dirk', 'Eva', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jan', 'Katrin', 'Lukas', 'Mira', 'Noah', 'Olga', 'Piet', 'Łukasz', 'Zoë'];
const LAST = ['Müller', 'de Vries', 'Smith', 'Rossi', 'Novak', 'Jansen', 'Dubois', 'Kowalski', 'Ørsted', 'García', 'Weber', 'Bakker'];
const DEPARTMENTS = ['Finance', 'Sales', 'Operations', 'Legal', 'IT', 'HR'];

/** xorshift32: small, seeded, good enough to spread test data. */
function random(seed: number) {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

export function generateCensus(count: number, entities: string[], seed = 20261205): CensusPerson[] {
  const next = random(seed);
  const pick = <T,>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const year = 1960 + Math.floor(next() * 40);
    const month = String(1 + Math.floor(next() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(next() * 28)).padStart(2, '0');
    return {
      employeeId: `E${String(100000 + i)}`,
      name: `${first} ${last}`,
      email: `${first}.${last}.${i}@falcon.example`.toLowerCase().replace(/[^a-z0-9.@]/g, 'x'),
      birthDate: `${year}-${month}-${day}`,
      postcode: `${1000 + Math.floor(next() * 9000)} ${String.fromCharCode(65 + Math.floor(next() * 26))}${String.fromCharCode(65 + Math.floor(next() * 26))}`,
      salary: String(30000 + Math.floor(next() * 90000)),
      entity: pick(entities),
      department: pick(DEPARTMENTS),
      grade: `G${1 + Math.floor(next() * 9)}`,
    };
  });
}

export const censusRow = (p: CensusPerson) => [p.employeeId, p.name, p.email, p.birthDate, p.postcode, p.salary, p.entity, p.department, p.grade];

/** The census as a CSV file (comma, quoted where needed, CRLF). */
export function censusCsv(people: CensusPerson[]): Buffer {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [CENSUS_HEADER.join(','), ...people.map((p) => censusRow(p).map(quote).join(','))];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}
