// `npm run dev`: the server under `tsx watch` (restarts on every change under server/) and Vite's
// dev server for the client (hot reload; it forwards /api to the server, see client/vite.config.ts),
// together in one terminal. Ctrl-C stops both; when one of them exits, the other is stopped too.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = (name) => path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

const children = [
  { name: 'server', command: bin('tsx'), args: ['watch', '--clear-screen=false', 'server/index.ts'] },
  { name: 'client', command: bin('vite'), args: ['client'] },
].map(({ name, command, args }) => {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    console.log(`[dev] ${name} exited (${signal ?? code}); stopping the rest`);
    stop(signal ?? 'SIGTERM', code ?? 1);
  });
  return child;
});

let stopping = false;
function stop(signal, exitCode) {
  if (!stopping) {
    stopping = true;
    process.exitCode = exitCode;
  }
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal, 0));
