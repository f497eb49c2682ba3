import { useId, useState, type ReactNode } from 'react';
import { adminApi, fetchAll, type Entity } from '../../api.js';
import { LoadView } from '../../components/load-view.js';
import { useLoad } from '../../hooks/use-load.js';
import { useCursorList } from './use-cursor-list.js';
import { useDebouncedValue } from './use-debounced-value.js';
import { LoadMore } from './load-more.js';
import { SearchFilter } from './search-filter.js';
import { Notice } from './notice.js';
import { buildEntityTree, entityPath, type EntityNode } from './entity-tree.js';
import { EntityDialog, type EntityDialogMode } from './entity-dialog.js';

/** The seller group's legal entities, as the tree they form; rooms target them and documents belong to one. */
export function EntityTreePanel() {
  const id = useId();
  const [tree, reloadTree] = useLoad((signal) => fetchAll((cursor, s) => adminApi.entities({ cursor, limit: 1000 }, s), signal), []);
  const [search, setSearch] = useState('');
  const q = useDebouncedValue(search.trim());
  const matches = useCursorList((cursor, signal) => (q ? adminApi.entities({ q, cursor }, signal) : Promise.resolve({ items: [], nextCursor: null })), [q]);
  const [dialog, setDialog] = useState<EntityDialogMode | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const actions = (entity: Entity) => (
    <span className="row-actions">
      <button type="button" className="button button-ghost button-small" onClick={() => setDialog({ kind: 'add', parentId: entity.id })} aria-label={`Add an entity under ${entity.name}`}>Add under</button>
      <button type="button" className="button button-ghost button-small" onClick={() => setDialog({ kind: 'rename', entity })} aria-label={`Rename ${entity.name}`}>Rename</button>
      <button type="button" className="button button-ghost button-small" onClick={() => setDialog({ kind: 'move', entity })} aria-label={`Move ${entity.name}`}>Move</button>
    </span>
  );

  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <div>
          <h2 id={`${id}-title`} className="section-title">Legal entities of the seller group</h2>
          <p className="section-help">A room targets some of them, every document belongs to exactly one, and an NDA covers the ones it names.</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'add', parentId: null })}>Add entity</button>
      </div>
      <div className="filters">
        <SearchFilter label="Search entities" placeholder="Name" value={search} onChange={setSearch} />
      </div>
      <Notice text={notice} />
      <LoadView load={tree} retry={reloadTree} label="legal entities">
        {(entities) => {
          const byId = new Map(entities.map((e) => [e.id, e]));
          if (q) {
            return (
              <LoadView load={matches.load} retry={matches.reload} label="matching entities">
                {(found) =>
                  found.length === 0 ? (
                    <p className="empty-inline">No entity matches “{q}”.</p>
                  ) : (
                    <ul className="entity-tree entity-matches" aria-label={`Entities matching ${q}`}>
                      {found.map((e) => (
                        <li key={e.id}>
                          <div className="entity-row">
                            <span className="entity-name">{entityPath(byId.get(e.id) ?? e, byId)}</span>
                            {actions(byId.get(e.id) ?? e)}
                          </div>
                        </li>
                      ))}
                    </ul>
                  )
                }
              </LoadView>
            );
          }
          return entities.length === 0 ? (
            <p className="empty-inline">No legal entities yet. Add the group’s top entity first, then its subsidiaries under it.</p>
          ) : (
            <EntityBranch nodes={buildEntityTree(entities)} actions={actions} label="Entity tree" />
          );
        }}
      </LoadView>
      {q && <LoadMore list={matches} what="entities" />}
      {dialog && tree.state === 'ready' && (
        <EntityDialog
          mode={dialog}
          entities={tree.data}
          onClose={() => setDialog(null)}
          onSaved={(text) => {
            setDialog(null);
            setNotice(text);
            reloadTree();
            matches.reload();
          }}
        />
      )}
    </section>
  );
}

/** One level of the tree as a list inside its parent's item: screen readers announce the nesting. */
function EntityBranch({ nodes, actions, label }: { nodes: EntityNode[]; actions: (entity: Entity) => ReactNode; label?: string }) {
  return (
    <ul className="entity-tree" aria-label={label}>
      {nodes.map((n) => (
        <li key={n.entity.id}>
          <div className="entity-row">
            <span className="entity-name">{n.entity.name}</span>
            {actions(n.entity)}
          </div>
          {n.children.length > 0 && <EntityBranch nodes={n.children} actions={actions} />}
        </li>
      ))}
    </ul>
  );
}
