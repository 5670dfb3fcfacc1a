/**
 * An incident's timeline on its page (issue 15): filterable by source and zoomable in time: a
 * window From / To (the browser's local time), a zoom to the hour around the point of failure,
 * and zoom out to the whole window. The table shows the newest 500 entries of the selection.
 */
import { useId, useState } from 'react';
import { Time } from '../components/feedback';
import type { IncidentTimeline } from './incident-api';

const SHOWN = 500;
const HOUR = 3_600_000;

/** A `datetime-local` value (local wall time, minutes) for an instant. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** The instant of a `datetime-local` value, or null when empty or invalid. */
function instant(value: string): number | null {
  if (value === '') return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

export function TimelineView({ timeline }: { readonly timeline: IncidentTimeline }) {
  const [source, setSource] = useState('all');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const hint = useId();
  const sources = [...new Set(timeline.entries.map((e) => e.source))].sort();
  const start = instant(from);
  const end = instant(to);
  const inverted = start !== null && end !== null && start > end;
  const selected = timeline.entries.filter((e) => {
    if (source !== 'all' && e.source !== source) return false;
    const t = Date.parse(e.time);
    return (start === null || t >= start) && (end === null || t <= end);
  });
  const shown = selected.slice(-SHOWN);
  const failure = timeline.pointOfFailure.earliest;
  const zoomTo = (centre: number, span: number) => {
    setFrom(localInput(centre - span));
    setTo(localInput(centre + span + 60_000));
  };
  return (
    <>
      <h2>Timeline</h2>
      <div className="inline-form">
        <label>
          Source
          <select value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="all">all</option>
            {sources.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" value={from} aria-invalid={inverted} aria-describedby={hint} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To
          <input type="datetime-local" value={to} aria-invalid={inverted} aria-describedby={hint} onChange={(e) => setTo(e.target.value)} />
        </label>
        {failure !== null ? (
          <button type="button" onClick={() => zoomTo(Date.parse(failure.time), HOUR)}>
            Zoom to the point of failure
          </button>
        ) : null}
        <button
          type="button"
          disabled={from === '' && to === ''}
          onClick={() => {
            setFrom('');
            setTo('');
          }}
        >
          Whole window
        </button>
      </div>
      <p id={hint} className="muted small" role="status">
        {inverted ? 'From is after To: nothing can be shown.' : `${selected.length} of ${timeline.entries.length} entries${selected.length > SHOWN ? ` (the newest ${SHOWN} shown)` : ''}, in your local time.`}
      </p>
      {timeline.truncated ? <p>The timeline was truncated (too many events); narrow the seeds.</p> : null}
      {shown.length === 0 ? (
        <p>No entries in this window.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Source</th>
              <th>Event</th>
              <th>Outcome</th>
              <th>Reference</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={`${e.ref}-${e.time}`}>
                <td>
                  <Time iso={e.time} />
                </td>
                <td>{e.source}</td>
                <td>{e.kind}</td>
                <td>{e.outcome ?? ''}</td>
                <td>{e.ref}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
