export interface FolderNode {
  id: string;
  parentId: string | null;
  position: number;
}

/**
 * The index of every folder of a room ("1", "1.2", "1.2.3"), from each folder's position among its
 * siblings: the deal team's numbering, computed from the whole tree.
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

/**
 * The indexes of the `visible` folders as a caller who sees only them reads them: each folder is
 * numbered by its rank among its visible siblings, so the numbers never show that a folder is
 * missing between two others (a party that sees 1 and 3 of the deal team's tree reads 1 and 2).
 * `visible` holds every folder above a visible one, so what is numbered is a tree.
 */
export function computeVisibleFolderIndexes(folders: FolderNode[], visible: ReadonlySet<string>): Map<string, string> {
  const shown = folders.filter((f) => visible.has(f.id));
  const siblings = new Map<string | null, FolderNode[]>();
  for (const f of shown) {
    const parent = f.parentId !== null && visible.has(f.parentId) ? f.parentId : null;
    siblings.set(parent, [...(siblings.get(parent) ?? []), f]);
  }
  const renumbered: FolderNode[] = [];
  for (const [parentId, group] of siblings) {
    group.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    group.forEach((f, i) => renumbered.push({ id: f.id, parentId, position: i + 1 }));
  }
  return computeFolderIndexes(renumbered);
}
