/**
 * What the last act did ("Invitation sent to …"). The live region stays in the page, empty or not:
 * screen readers announce a change inside one they already know, not one that appears with its text.
 */
export function Notice({ text }: { text: string | null }) {
  return <div role="status" aria-live="polite" className="admin-notice">{text && <p className="alert alert-success">{text}</p>}</div>;
}
