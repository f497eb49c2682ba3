import fs from 'node:fs';
import path from 'node:path';
import type { TestApp } from './test-app.js';

/** The keys the local store holds, read from disk: what a crash or a failed request left behind. */
export function storedObjectKeys(t: TestApp): string[] {
  const root = path.join(t.dataDir, 'storage', 'objects');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)));
}
