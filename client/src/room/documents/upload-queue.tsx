import { formatSize } from '../../display-format.js';

export interface UploadItem {
  key: string;
  name: string;
  /** Where it goes, e.g. "1.2 Payroll / Q1" — shown so a dropped folder's structure is visible. */
  destination: string;
  size: number;
  progress: number;
  status: 'queued' | 'uploading' | 'done' | 'failed';
  error?: string;
}

/** One progress bar per file: people uploading a few hundred files must see which ones failed. */
export function UploadQueue({ items, onDismiss }: { items: UploadItem[]; onDismiss: () => void }) {
  if (items.length === 0) return null;
  const done = items.filter((i) => i.status === 'done').length;
  const failed = items.filter((i) => i.status === 'failed').length;
  const finished = done + failed === items.length;
  return (
    <section className="panel upload-queue" aria-labelledby="upload-queue-title">
      <div className="upload-queue-head">
        <h2 id="upload-queue-title" className="section-title">
          {finished ? 'Upload finished' : 'Uploading'} — {done} of {items.length} done{failed ? `, ${failed} failed` : ''}
        </h2>
        {finished && (
          <button type="button" className="button button-secondary button-small" onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
      <ul className="upload-list" aria-live="polite">
        {items.map((item) => (
          <li key={item.key} className={`upload-item upload-${item.status}`}>
            <div className="upload-item-line">
              <span className="upload-name">{item.name}</span>
              <span className="upload-dest">{item.destination}</span>
              <span className="upload-size">{formatSize(item.size)}</span>
              <span className="upload-state">
                {item.status === 'done' ? 'Uploaded' : item.status === 'failed' ? 'Failed' : item.status === 'queued' ? 'Waiting' : `${Math.round(item.progress * 100)}%`}
              </span>
            </div>
            <progress className="upload-bar" max={1} value={item.progress} aria-label={`Upload progress of ${item.name}`} />
            {item.error && <p className="upload-error" role="alert">{item.error}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
