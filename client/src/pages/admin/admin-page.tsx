import { useEffect, useRef } from 'react';
import { Link } from 'wouter';
import type { User } from '../../api.js';
import { OrgsPanel } from './orgs-panel.js';
import { PeoplePanel } from './people-panel.js';
import { EntityTreePanel } from './entity-tree-panel.js';
import { PeopleImportPanel } from './people-import-panel.js';
import { OutboxPanel } from './outbox-panel.js';

const SECTIONS = [
  { id: 'orgs', label: 'Organisations' },
  { id: 'people', label: 'People' },
  { id: 'entities', label: 'Legal entities' },
  { id: 'import', label: 'Import people' },
  { id: 'outbox', label: 'Outbox' },
] as const;

/** The directory an administrator keeps (organisations, people, the seller group's entities) and the mail it sends. */
export function AdminPage({ user, section }: { user: User; section: string | undefined }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const current = SECTIONS.find((s) => s.id === section) ?? SECTIONS[0];

  useEffect(() => {
    document.title = `${current.label} · Administration · Gatehouse`;
  }, [current.label]);
  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  // The server refuses every call below to anyone else; this only spares them a page of refusals.
  if (user.role !== 'admin') {
    return (
      <section className="page">
        <h1 className="page-title" ref={headingRef} tabIndex={-1}>Administration</h1>
        <p className="page-meta">Organisations, people and legal entities are kept by an administrator. <Link href="/">Back to your data rooms</Link></p>
      </section>
    );
  }

  return (
    <section className="page" aria-labelledby="admin-heading">
      <div className="page-header">
        <div>
          <h1 id="admin-heading" className="page-title" ref={headingRef} tabIndex={-1}>Administration</h1>
          <p className="page-meta">The directory every room draws on, and the mail Gatehouse sends.</p>
        </div>
      </div>
      <nav className="tabs" aria-label="Administration sections">
        {SECTIONS.map((s) => (
          <Link key={s.id} href={`/admin/${s.id}`} className={s.id === current.id ? 'tab tab-active' : 'tab'} aria-current={s.id === current.id ? 'page' : undefined}>
            {s.label}
          </Link>
        ))}
      </nav>
      <div className="tab-panel">
        {current.id === 'orgs' && <OrgsPanel />}
        {current.id === 'people' && <PeoplePanel />}
        {current.id === 'entities' && <EntityTreePanel />}
        {current.id === 'import' && <PeopleImportPanel />}
        {current.id === 'outbox' && <OutboxPanel />}
      </div>
    </section>
  );
}
