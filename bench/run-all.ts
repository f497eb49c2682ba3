/*
 * `npm run bench`: runs every benchmark module listed below in one process, prints each figure with
 * its baseline and ratio, and writes them to bench/results/. Speed is only ever a ratio against a
 * baseline measured in the same run: the machines are shared and their absolute speed means little.
 *
 * To add a benchmark: a module exporting `name` and `run(): Promise<BenchFigure[]>`, listed here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchModule, BenchFigure } from './bench-figure.js';
import * as stamping from './stamping.bench.js';
import * as ledger from './ledger.bench.js';
import * as load from './load-p1.bench.js';
import * as upload from './upload-u1.bench.js';
import * as policy from './policy-p2.bench.js';
import * as mail from './mail-m1.bench.js';
import * as intakeQpdfWasm from './intake-qpdf-wasm.bench.js';
import * as datasets from './datasets-d.bench.js';
import * as zip from './zip-z1.bench.js';
import * as search from './search-s1.bench.js';
import * as textExtraction from './text-extraction-s2.bench.js';
import * as engagement from './engagement.bench.js';
import * as archive from './archive-r8.bench.js';

const MODULES: BenchModule[] = [stamping, ledger, load, upload, policy, intakeQpdfWasm, mail, datasets, zip, search, textExtraction, engagement, archive];

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

function print(figures: BenchFigure[]): void {
  for (const f of figures) {
    const verdict = f.met === undefined ? '' : f.met ? 'MET' : 'NOT MET';
    console.log(`${f.id.padEnd(4)} ${f.what}\n     ${f.figure} | baseline ${f.baseline} | ${f.ratioText} | target ${f.target} ${verdict}`);
  }
}

const only = process.argv.slice(2);
fs.mkdirSync(RESULTS_DIR, { recursive: true });
let failed = false;
for (const mod of MODULES) {
  if (only.length && !only.includes(mod.name)) continue;
  console.log(`\n== ${mod.name}`);
  try {
    const figures = await mod.run();
    print(figures);
    const record = { module: mod.name, at: new Date().toISOString(), host: { cpus: (await import('node:os')).cpus().length, node: process.version }, figures };
    fs.writeFileSync(path.join(RESULTS_DIR, `${mod.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  } catch (err) {
    failed = true;
    console.error(`${mod.name} failed:`, err);
  }
}
process.exitCode = failed ? 1 : 0;
