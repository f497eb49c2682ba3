import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // The server's CSP is script-src 'self' / style-src 'self': no inline polyfill, no data: URI assets.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    // `npm run dev` (scripts/dev.mjs): Vite serves the client and forwards API calls to the server
    // under `tsx watch`, on the server's own HOST and PORT (127.0.0.1, not "localhost", which may
    // resolve to ::1 where the server does not listen).
    proxy: { '/api': `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? '8080'}` },
  },
});
