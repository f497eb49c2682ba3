import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../config.js';
import { createDb, migrateToLatest } from '../db.js';
import { createLogger } from '../logger.js';
import { createApp } from '../app.js';
import { afterResponseTasksSettled } from '../service-context.js';
import { ensureFirstAdmin } from '../users/service.js';
import { createObjectStore } from '../../storage/create-object-store.js';
import { buildDemoDeal, DEMO_ADMIN, DEMO_ROOM, DEMO_SELLER_ORG, DEMO_SIGN_INS } from './demo-deal.js';

/**
 * `npm run demo`: the sample deal "Project Falcon" on the embedded default (SQLite and the local
 * object store), then the server, as `npm start` runs it, on that data.
 *
 * The demo lives in a folder of its own, DEMO_DATA_DIR (default ./data-demo), never DATA_DIR: a
 * DATA_DIR exported for a real instance must not receive invented bidders. For the same reason it
 * takes only HOST, PORT and LOG_LEVEL from the environment; every other Gatehouse setting (a
 * PostgreSQL DATABASE_URL, an S3 store, an SMTP relay, keys) is left at its embedded default.
 *
 * It builds the deal only in an empty folder, and marks the folder when the deal is complete:
 * - an empty or missing folder: the deal is built, then served;
 * - a folder with the mark: the deal is already there, and is served as it is (never built twice);
 * - anything else (another instance's data, or a set-up that stopped half-way): refused, untouched.
 */
const DEMO_MARK = 'project-falcon-demo.json';
const TAKEN_FROM_ENVIRONMENT = new Set(['HOST', 'PORT', 'LOG_LEVEL']);

type DemoFolderState = 'empty' | 'demo' | 'other data';

function demoFolderState(dataDir: string): DemoFolderState {
  if (!fs.existsSync(dataDir)) return 'empty';
  if (!fs.statSync(dataDir).isDirectory()) return 'other data';
  if (fs.existsSync(path.join(dataDir, DEMO_MARK))) return 'demo';
  return fs.readdirSync(dataDir).length === 0 ? 'empty' : 'other data';
}

/** The Gatehouse environment of the demo: its own folder, its first admin, and nothing of the caller's but where to listen. */
function demoEnvironment(callerEnv: NodeJS.ProcessEnv, dataDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of TAKEN_FROM_ENVIRONMENT) if (callerEnv[name] !== undefined) env[name] = callerEnv[name];
  return { ...env, DATA_DIR: dataDir, SELLER_ORG_NAME: DEMO_SELLER_ORG, ADMIN_EMAIL: DEMO_ADMIN.email, ADMIN_PASSWORD: DEMO_ADMIN.password };
}

/**
 * Builds the deal through the HTTP API of an app of its own, on a loopback port no one else is told
 * about: the served instance starts only once the deal is complete, so no one meets it half-built.
 * The start-up is the server's own (migrations, the first admin from ADMIN_EMAIL); every fact after
 * that is a request, judged and recorded like a person's.
 */
async function seedDemo(env: Record<string, string>): Promise<void> {
  const config = loadConfig(env);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const db = createDb({ dataDir: config.dataDir });
  const store = createObjectStore({ driver: 'local', dataDir: config.dataDir });
  try {
    await migrateToLatest(db);
    await ensureFirstAdmin(db, config.admin, config.sellerOrgName);
    await store.init();
    const app = createApp({ db, store, config, logger: createLogger('warn') });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    let roomId: string;
    try {
      ({ roomId } = await buildDemoDeal(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    } finally {
      server.close();
      server.closeAllConnections();
    }
    await afterResponseTasksSettled(db);
    fs.writeFileSync(path.join(config.dataDir, DEMO_MARK), `${JSON.stringify({ roomId, codeName: DEMO_ROOM.codeName, builtAt: new Date().toISOString() }, null, 2)}\n`);
  } finally {
    await store.close?.();
    await db.destroy();
  }
}

function signInTable(env: Record<string, string>): string {
  const config = loadConfig(env);
  // A wildcard address listens on loopback too; a browser cannot open the wildcard itself.
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}`;
  // PORT=0 lets the system choose; only the server's "gatehouse listening" line knows which.
  const where = config.port === 0 ? `${origin}:<port> (the port is in the "gatehouse listening" line below)` : `${origin}:${config.port}`;
  const roleWidth = Math.max(...DEMO_SIGN_INS.map((s) => s.role.length)) + 2;
  const emailWidth = Math.max(...DEMO_SIGN_INS.map((s) => s.email.length)) + 2;
  const passwordWidth = Math.max(...DEMO_SIGN_INS.map((s) => s.password.length)) + 2;
  const lines = [
    `Open ${where} and sign in as:`,
    ...DEMO_SIGN_INS.map((s) => `  ${s.role.padEnd(roleWidth)}${s.email.padEnd(emailWidth)}${s.password.padEnd(passwordWidth)}${s.finds}`),
    '',
    "Try: as counsel, confirm Castellan's NDA (NDAs tab), then sign in as bidder B; as bidder A, download a document",
    "and open it (every page names who took it); as manager, upload that copy under 'Trace a leak', then read 'Disclosures'.",
  ];
  if (!['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
    lines.push('', `Warning: HOST=${config.host} — these passwords are printed here and public; anyone who can reach this address can sign in.`);
  }
  return `${lines.join('\n')}\n\n`;
}

const dataDir = path.resolve(process.env.DEMO_DATA_DIR || 'data-demo');
const env = demoEnvironment(process.env, dataDir);
const state = demoFolderState(dataDir);

if (state === 'other data') {
  process.stderr.write(
    `npm run demo: ${dataDir} holds data that is not a finished ${DEMO_ROOM.codeName} demo (another instance's data, or a demo set-up that stopped half-way).\n` +
      'The demo only builds its deal in an empty folder and leaves this one untouched. Set DEMO_DATA_DIR to a new folder,\n' +
      `or delete ${dataDir} if it is an old demo you no longer need.\n`,
  );
  process.exit(1);
}

if (state === 'empty') {
  process.stdout.write(`Building the ${DEMO_ROOM.codeName} demo in ${dataDir} …\n`);
  const started = Date.now();
  try {
    await seedDemo(env);
  } catch (err) {
    // The folder was empty when the demo began: everything in it is the demo's own, half-built.
    for (const entry of fs.readdirSync(dataDir)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
    process.stderr.write(`npm run demo: building the demo failed, and what it had written to ${dataDir} is removed again:\n${(err as Error).stack ?? err}\n`);
    process.exit(1);
  }
  process.stdout.write(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n\n`);
} else {
  process.stdout.write(`The ${DEMO_ROOM.codeName} demo is already in ${dataDir}: serving it as it is (delete the folder to start over).\n\n`);
}

process.stdout.write(signInTable(env));

// Served exactly as `npm start` serves: server/index.ts reads its configuration from the environment,
// so the environment becomes the demo's (the Gatehouse variables it leaves out are removed, the rest
// of the environment such as PATH stays for the converters the server runs).
for (const name of ENVIRONMENT_VARIABLES) delete process.env[name];
Object.assign(process.env, env);
await import('../index.js');
