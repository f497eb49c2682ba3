import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT_VARIABLES } from '../../server/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** The variables named in the first column of docs/deploy.md's configuration table. */
function documentedVariables(): Set<string> {
  const names = new Set<string>();
  for (const line of read('docs/deploy.md').split('\n')) {
    const first = /^\| ([^|]+) \|/.exec(line)?.[1];
    if (!first) continue;
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(m[1]!);
  }
  return names;
}

/** The variables docker-compose.yml sets for the Gatehouse processes (its x-gatehouse environment). */
function composeVariables(): string[] {
  const compose = read('docker-compose.yml');
  const block = compose.slice(compose.indexOf('x-gatehouse:'), compose.indexOf('\nx-', compose.indexOf('x-gatehouse:') + 1));
  const environment = block.slice(block.indexOf('  environment:'));
  const names: string[] = [];
  for (const line of environment.split('\n').slice(1)) {
    if (/^ {2}\S/.test(line)) break; // the next key of the service
    const m = /^ {4}([A-Z][A-Z0-9_]+):/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

describe('docs/deploy.md and docker-compose.yml match the configuration the code reads', () => {
  it('documents every environment variable the configuration reads, and no other', () => {
    expect([...documentedVariables()].sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
  });

  it('sets only variables the configuration reads for the Gatehouse processes, including every shared secret', () => {
    const set = composeVariables();
    expect(set.length).toBeGreaterThan(10);
    expect(set.filter((name) => !ENVIRONMENT_VARIABLES.includes(name))).toEqual([]);
    expect(set).toEqual(expect.arrayContaining(['DATABASE_URL', 'STORAGE_DRIVER', 'SESSION_SECRET', 'AUDIT_SIGNING_KEY', 'MFA_SEALING_KEY']));
  });
});
