import { useEffect, useState } from 'react';

/**
 * The secret a mailed link carries after `#token=` (invitations, password resets). A fragment never
 * reaches the server's logs or a Referer header; it is read once, then taken off the address bar so
 * it is not left in the history, a bookmark or a screenshot. It goes nowhere but the body of the one
 * call that spends it.
 */
export function useFragmentToken(): string | null {
  const [token] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get('token'));
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }, []);
  return token;
}
