import { Link } from 'wouter';
import type { DocumentItem } from '../../api.js';
import { documentLabel } from './use-room-documents.js';

/**
 * A question's or an answer's text as written: plain text, line breaks kept. React escapes it, so
 * markup a party typed ("<script>…") reads as the characters it is; nothing here renders HTML.
 */
export function QuestionText({ text }: { text: string }) {
  return <p className="question-text">{text}</p>;
}

/** The documents an answer refers to, each a link the reader may follow (the server sends only those they may view). */
export function DocumentRefs({ roomId, ids, docs, label }: { roomId: string; ids: string[]; docs: ReadonlyMap<string, DocumentItem>; label: string }) {
  if (ids.length === 0) return null;
  return (
    <div className="question-refs">
      <span className="question-refs-label">{label}</span>
      <ul aria-label={label}>
        {ids.map((d) => (
          <li key={d}>
            {docs.has(d) ? <Link href={`/rooms/${roomId}/documents/${d}`}>{documentLabel(docs, d)}</Link> : <span>{documentLabel(docs, d)}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
