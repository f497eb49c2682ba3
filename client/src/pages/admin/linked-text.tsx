/** An address in plain text, up to whitespace or a character no address ends a sentence with. */
const URL_PATTERN = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'}]/g;

/**
 * Plain text with its web addresses as links. Only http(s) addresses become links, the rest stays
 * text, and React escapes all of it: a mail's body cannot inject markup into the page.
 */
export function LinkedText({ text }: { text: string }) {
  const parts: Array<string | { href: string }> = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    parts.push(text.slice(last, match.index), { href: match[0] });
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return (
    <>
      {parts.map((p, i) =>
        typeof p === 'string' ? p : (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer">{p.href}</a>
        ),
      )}
    </>
  );
}
