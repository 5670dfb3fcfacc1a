/**
 * The fleet integrity view (issue 13): every device of the organization with the state of its
 * firmware attestation (verified, unknown hash, another model's image, below the minimum version,
 * outdated, end of support, no report), the counts per state, and a filter. A flagged device links
 * to its page, where it can be quarantined or released. Read-only: GET /api/v1/firmware/integrity
 * (firmware:read), the same scan as `vigil firmware scan` and the daily job.
 */
import { useState } from 'react';
import type { IntegrityEntry } from '../api/types';
import { Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { Link } from '../router';
import { useSession } from '../session';
import { StatusBadge } from './users-page';

/** Every state of the scan, worst first, with what it means to the reader. */
export const INTEGRITY_STATES: ReadonlyArray<{ readonly state: string; readonly label: string; readonly flagged: boolean }> = [
  { state: 'unknown-hash', label: 'unknown hash', flagged: true },
  { state: 'foreign-hash', label: "another model's image", flagged: true },
  { state: 'below-minimum', label: 'below the minimum version', flagged: true },
  { state: 'no-report', label: 'no report', flagged: false },
  { state: 'end-of-support', label: 'end of support', flagged: false },
  { state: 'outdated', label: 'outdated', flagged: false },
  { state: 'verified', label: 'verified', flagged: false },
];

function labelOf(state: string): string {
  return INTEGRITY_STATES.find((s) => s.state === state)?.label ?? state;
}

function IntegrityState({ state }: { readonly state: string }) {
  const known = INTEGRITY_STATES.find((s) => s.state === state);
  return <span className={known?.flagged === true ? 'integrity-flagged' : state === 'verified' ? 'integrity-verified' : undefined}>{labelOf(state)}</span>;
}

const rank = (state: string) => {
  const i = INTEGRITY_STATES.findIndex((s) => s.state === state);
  return i === -1 ? INTEGRITY_STATES.length : i;
};

export function FirmwareIntegrityPage() {
  const { api } = useSession();
  const [scan, reload] = useResource(() => api.firmwareIntegrity().then((r) => r.devices), 'firmware-integrity');
  const [filter, setFilter] = useState('');
  if (scan.status === 'error') return <ResourceProblem error={scan.error} />;
  const devices: readonly IntegrityEntry[] = scan.status === 'ok' ? [...scan.data].sort((a, b) => rank(a.state) - rank(b.state) || a.deviceId.localeCompare(b.deviceId)) : [];
  const shown = filter === '' ? devices : devices.filter((d) => d.state === filter);
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
  return (
    <section aria-labelledby="integrity-title">
      <div className="page-head">
        <h1 id="integrity-title">Fleet integrity</h1>
        <button type="button" onClick={reload}>
          Scan again
        </button>
      </div>
      <p>
        Each device reports the SHA-256 of the image it runs, signed with its key; Vigil compares it with the signed releases of its model. See also <Link to="/firmware">releases</Link>{' '}
        and <Link to="/rollouts">rollouts</Link>.
      </p>
      {scan.status === 'loading' ? (
        <Loading what="the integrity scan" />
      ) : (
        <>
          <ul className="integrity-counts" aria-label="Devices per state">
            {INTEGRITY_STATES.map((s) => (
              <li key={s.state}>
                <strong>{counts.get(s.state) ?? 0}</strong> {s.label}
              </li>
            ))}
          </ul>
          <label className="inline-field">
            Show
            <select value={filter} onChange={(event) => setFilter(event.target.value)}>
              <option value="">every state ({devices.length})</option>
              {INTEGRITY_STATES.map((s) => (
                <option key={s.state} value={s.state}>
                  {s.label} ({counts.get(s.state) ?? 0})
                </option>
              ))}
            </select>
          </label>
          {shown.length === 0 ? (
            <p>{devices.length === 0 ? 'No device in this organization yet.' : 'No device in this state.'}</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Devices with their firmware attestation state</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Model</th>
                  <th scope="col">Firmware</th>
                  <th scope="col">Attestation</th>
                  <th scope="col">Last report</th>
                  <th scope="col">Device status</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((d) => (
                  <tr key={d.deviceId} data-state={d.state}>
                    <td>
                      <Link to={`/devices/${encodeURIComponent(d.deviceId)}`}>
                        <code className="hash">{d.deviceId}</code>
                      </Link>
                    </td>
                    <td>{d.model}</td>
                    <td>{d.firmwareVersion ?? <span className="muted">—</span>}</td>
                    <td>
                      <IntegrityState state={d.state} />
                    </td>
                    <td>{d.measuredAt === null ? <span className="muted">never</span> : <Time iso={d.measuredAt} />}</td>
                    <td>
                      <StatusBadge status={d.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
