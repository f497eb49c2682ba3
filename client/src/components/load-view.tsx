import type { ReactNode } from 'react';
import { ApiError } from '../api.js';
import type { Load } from '../hooks/use-load.js';

/** The loading and failure states every view shares; `children` renders the data. */
export function LoadView<T>({ load, retry, label, children }: { load: Load<T>; retry?: () => void; label: string; children: (data: T) => ReactNode }) {
  if (load.state === 'loading') {
    return (
      <div className="panel panel-message" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        <span>Loading {label}…</span>
      </div>
    );
  }
  if (load.state === 'error') {
    if (load.error instanceof ApiError && load.error.status === 401) return null; // the app returns to sign-in
    return (
      <div className="panel panel-message panel-message-column">
        <p role="alert" className="alert alert-error">
          {load.error instanceof ApiError ? load.error.message : `The ${label} could not be loaded. Please try again.`}
        </p>
        {retry && (
          <button type="button" className="button button-secondary" onClick={retry}>
            Try again
          </button>
        )}
      </div>
    );
  }
  return <>{children(load.data)}</>;
}

/** Shown instead of a view whose server endpoint has not been deployed on this server yet. */
export function NotAvailable({ what }: { what: string }) {
  return (
    <div className="panel empty-state" role="status">
      <p className="empty-state-title">{what} is not available on this server yet</p>
      <p className="empty-state-text">This Gatehouse server does not offer it yet. It will appear here once the server is updated.</p>
    </div>
  );
}
