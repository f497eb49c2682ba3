export interface FolderNode {
  id: string;
  parentId: string | null;
  position: number;
}

/**
 * The index of every folder of a room ("1", "1.2", "1.2.3"), from each folder's position among its
 * siblings. Computed from the whole tree, so a user who sees only part of it still reads the same
 * numbers as the deal team.
 */
export function computeFolderIndexes(folders: FolderNode[]): Map<string, string> {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const indexes = new Map<string, string>();
  const indexOf = (f: FolderNode, depth = 0): string => {
    const known = indexes.get(f.id);
    if (known) return known;
    const parent = f.parentId ? byId.get(f.parentId) : undefined;
    // depth guard: a cycle cannot be written through the API, but a corrupt row must not hang a request
    const index = parent && depth < 100 ? `${indexOf(parent, depth + 1)}.${f.position}` : String(f.position);
    indexes.set(f.id, index);
    return index;
  };
  for (const f of folders) indexOf(f);
  return indexes;
}

/** Orders index strings as numbers part by part: 1.2 < 1.10 < 2. */
export function compareIndexes(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
