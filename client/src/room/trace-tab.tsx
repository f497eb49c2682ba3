import { useState } from 'react';
import { useDropzone } from 'react-dropzone';
import { api, ApiError, messageOf, type TraceResult } from '../api.js';
import { formatTime } from '../display-format.js';
import type { RoomContext } from './room-context.js';

type State = { state: 'idle' } | { state: 'tracing'; name: string; progress: number } | { state: 'found'; name: string; result: TraceResult } | { state: 'not-found'; name: string } | { state: 'error'; message: string };

/** Drop a leaked copy: the server names the download it came from (exact bytes, or the stamp read back). */
export function TraceTab({ ctx }: { ctx: RoomContext }) {
  const [state, setState] = useState<State>({ state: 'idle' });
  async function trace(file: File) {
    setState({ state: 'tracing', name: file.name, progress: 0 });
    try {
      const result = await api.trace(ctx.room.id, file, (progress) => setState({ state: 'tracing', name: file.name, progress })).promise;
      setState({ state: 'found', name: file.name, result });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'not_traced') setState({ state: 'not-found', name: file.name });
      else setState({ state: 'error', message: messageOf(err) });
    }
  }
  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({ multiple: false, noClick: true, onDrop: (files) => files[0] && void trace(files[0]) });
  return (
    <div className="stack">
      <section className="panel section" aria-labelledby="trace-title">
        <h2 id="trace-title" className="section-title">Trace a leaked file</h2>
        <p className="section-help">Every copy that leaves the room carries a stamp with a download id. Drop a copy found outside to see who took it, when and from where.</p>
        <div {...getRootProps({ className: isDragActive ? 'trace-drop dropzone-active' : 'trace-drop' })}>
          <input {...getInputProps({ 'aria-label': 'Choose a leaked file to trace' })} />
          <p className="trace-drop-title">Drop the leaked file here</p>
          <p className="field-help">PDF or image, as found. It is compared with every delivery of this room and is not stored.</p>
          <button type="button" className="button button-primary" onClick={open}>Choose file</button>
        </div>
      </section>
      <div aria-live="polite">
        {state.state === 'tracing' && (
          <div className="panel section">
            <p>Tracing {state.name}…</p>
            <progress className="upload-bar" max={1} value={state.progress} aria-label={`Upload progress of ${state.name}`} />
          </div>
        )}
        {state.state === 'found' && state.result.match !== 'unstamped' && (
          <section className="panel section trace-result" aria-labelledby="trace-result-title">
            <h3 id="trace-result-title" className="section-title">Traced: download {state.result.downloadId}</h3>
            <dl className="facts">
              <dt>Taken by</dt>
              <dd>{state.result.user.name} ({state.result.user.email})</dd>
              <dt>Organisation</dt>
              <dd>{state.result.org.name}</dd>
              <dt>When</dt>
              <dd>{formatTime(state.result.at)}</dd>
              <dt>From</dt>
              <dd>{state.result.ip ?? 'unknown address'}</dd>
              <dt>Match</dt>
              <dd>{state.result.match === 'exact' ? 'Exact copy of the delivered file' : 'Stamp read back from the file'}</dd>
              <dt>Evidence</dt>
              <dd>{state.result.evidence}</dd>
            </dl>
          </section>
        )}
        {state.state === 'found' && state.result.match === 'unstamped' && (
          <section className="panel section trace-result" aria-labelledby="trace-result-title">
            <h3 id="trace-result-title" className="section-title">Unstamped copy: no single recipient can be named</h3>
            <p>{state.result.evidence}.</p>
            <p>
              Held by the deal team and by {state.result.recipients.length} recipient{state.result.recipients.length === 1 ? '' : 's'}
              {state.result.copyOf === 'stamp_base' ? ' of stamped copies of this version' : ' of the original file'}:
            </p>
            {state.result.recipients.length > 0 && (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Recipient</th>
                    <th scope="col">Organisation</th>
                    <th scope="col">When</th>
                    <th scope="col">Download</th>
                  </tr>
                </thead>
                <tbody>
                  {state.result.recipients.map((r) => (
                    <tr key={r.downloadId}>
                      <td>{r.user.name} ({r.user.email})</td>
                      <td>{r.org.name}</td>
                      <td>{formatTime(r.at)}</td>
                      <td className="mono">{r.downloadId}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        )}
        {state.state === 'not-found' && <p className="alert alert-warning" role="status">No delivery of this room matches {state.name}. It may come from another room, or its stamp was removed.</p>}
        {state.state === 'error' && <p className="alert alert-error" role="alert">{state.message}</p>}
      </div>
    </div>
  );
}
