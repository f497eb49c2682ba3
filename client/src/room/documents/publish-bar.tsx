import { Link } from 'wouter';
import type { DocumentItem, Folder, PublishSelection } from '../../api.js';

/**
 * Above the list, for managers of an open room: what becomes of uploads (drafts until published,
 * or published at once), and publishing — the documents picked in the list, else the drafts of the
 * open folder and its subfolders. Publishing always goes through the preview first.
 */
export function PublishBar({ roomId, uploadsStartAs, picked, folder, onPreview, onClear }: {
  roomId: string;
  uploadsStartAs: 'draft' | 'published' | undefined;
  picked: DocumentItem[];
  folder: Folder | null;
  onPreview: (selection: PublishSelection, label: string) => void;
  onClear: () => void;
}) {
  const n = picked.length;
  return (
    <div className="publish-bar" role="region" aria-label="Publishing">
      <p className="publish-bar-note">
        {uploadsStartAs === 'published' ? 'Uploads are published at once: parties see them as their grants allow.' : 'Uploads start as drafts: no one outside the deal team sees them until they are published.'}{' '}
        <Link href={`/rooms/${roomId}/settings`}>Change</Link>
      </p>
      <div className="publish-bar-actions">
        {n > 0 ? (
          <>
            <span className="publish-bar-count" aria-live="polite">{n} selected</span>
            <button type="button" className="button button-secondary button-small" onClick={onClear}>Clear selection</button>
            <button
              type="button"
              className="button button-primary button-small"
              onClick={() => onPreview({ documentIds: picked.map((d) => d.id) }, n === 1 ? `“${picked[0].title}”` : `${n} selected documents`)}
            >
              Preview publication
            </button>
          </>
        ) : folder ? (
          <button type="button" className="button button-secondary button-small" onClick={() => onPreview({ folderId: folder.id }, `the drafts of ${folder.index} ${folder.name} and its subfolders`)}>
            Publish drafts of this folder…
          </button>
        ) : (
          <span className="publish-bar-count">Select drafts below, or open a folder, to publish them.</span>
        )}
      </div>
    </div>
  );
}
