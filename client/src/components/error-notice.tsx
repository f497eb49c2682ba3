import { ApiError, messageOf, problemsOf } from '../api.js';
import './error-notice.css';

/**
 * A refusal as an alert: the server's message, then each thing it names on its own line (a field,
 * a ZIP entry, a cell of a spreadsheet), so a long list of wrong cells stays readable.
 */
export function ErrorNotice({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  const problems = problemsOf(error);
  if (problems.length === 0) return <p id={id} role="alert" className="alert alert-error">{messageOf(error)}</p>;
  const shown = problems.slice(0, 50);
  return (
    <div id={id} role="alert" className="alert alert-error error-notice">
      <p className="error-notice-headline">{error instanceof ApiError ? error.headline : messageOf(error)}</p>
      <ul className="error-notice-list">
        {shown.map((p, i) => <li key={i}>{p}</li>)}
        {problems.length > shown.length && <li>and {problems.length - shown.length} more</li>}
      </ul>
    </div>
  );
}
