import type { Entity } from '../../api.js';

export interface EntityNode {
  entity: Entity;
  children: EntityNode[];
}

const byName = (a: EntityNode, b: EntityNode) => a.entity.name.localeCompare(b.entity.name);

/**
 * The seller group's entities as a tree, each level by name. An entity whose parent is not in the
 * list (none should be) is shown at the top rather than lost.
 */
export function buildEntityTree(entities: Entity[]): EntityNode[] {
  const nodes = new Map(entities.map((e) => [e.id, { entity: e, children: [] as EntityNode[] }]));
  const roots: EntityNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.entity.parentId ? nodes.get(node.entity.parentId) : undefined;
    (parent ?? { children: roots }).children.push(node);
  }
  const sort = (list: EntityNode[]) => {
    list.sort(byName);
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

/** "Falcon Holding › Falcon GmbH": where an entity sits, for choices and search results. */
export function entityPath(entity: Entity, byId: Map<string, Entity>): string {
  const names = [entity.name];
  const seen = new Set([entity.id]);
  // The server keeps the tree acyclic; the guard keeps a bad answer from hanging the page.
  for (let p = entity.parentId ? byId.get(entity.parentId) : undefined; p && !seen.has(p.id); p = p.parentId ? byId.get(p.parentId) : undefined) {
    names.unshift(p.name);
    seen.add(p.id);
  }
  return names.join(' › ');
}

/** Every entity with its path, in tree order: the choices of a "parent" select. */
export function entityChoices(entities: Entity[]): Array<{ id: string; path: string }> {
  const byId = new Map(entities.map((e) => [e.id, e]));
  const out: Array<{ id: string; path: string }> = [];
  const walk = (nodes: EntityNode[]) => {
    for (const n of nodes) {
      out.push({ id: n.entity.id, path: entityPath(n.entity, byId) });
      walk(n.children);
    }
  };
  walk(buildEntityTree(entities));
  return out;
}
