import { useId, useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import './search.css';

/** Where a room's search results are: a page of its own, so Back from a hit returns to them. */
export const searchResultsPath = (roomId: string, q: string) => `/rooms/${encodeURIComponent(roomId)}/search?q=${encodeURIComponent(q)}`;

/**
 * The room-wide search of the words inside its documents, in the room's header. `q`: the search
 * whose results are on screen (the parent keys this box by it, so Back and Forward refill it).
 */
export function RoomSearchBox({ roomId, q }: { roomId: string; q: string }) {
  const id = useId();
  const [, navigate] = useLocation();
  const [text, setText] = useState(q);
  const [problem, setProblem] = useState<string | null>(null);

  function submit(e: FormEvent) {
    e.preventDefault();
    const words = text.trim();
    if (!words) return setProblem('Type a word to search for.');
    setProblem(null);
    navigate(searchResultsPath(roomId, words));
  }

  return (
    <form role="search" aria-labelledby={`${id}-label`} className="room-search" onSubmit={submit} noValidate>
      <label id={`${id}-label`} htmlFor={`${id}-q`} className="visually-hidden">Search the words in the room’s documents</label>
      <input
        id={`${id}-q`}
        type="search"
        className="room-search-input"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Search inside the documents"
        autoComplete="off"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
      />
      <button type="submit" className="button button-primary room-search-button">Search</button>
      {problem && <p id={`${id}-problem`} className="room-search-problem" role="alert">{problem}</p>}
    </form>
  );
}
