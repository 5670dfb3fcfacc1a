/**
 * Rollout forms (issue 13): request a campaign from the console (it then waits for a second
 * person's approval with MFA, and is a firmware-rollout change request), and the organization's
 * maintenance window (days and local hours in its time zone) that every campaign without a window
 * of its own applies.
 *
 * MUST: the server checks everything again (permissions, ranges, overlaps); the forms only help.
 */
import { useState, type FormEvent } from 'react';
import type { OrgMaintenanceWindow, RolloutRequest } from '../api/types';
import { can } from '../capabilities';
import { ErrorNotice, Loading } from '../components/feedback';
import { useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { navigate } from '../router';
import { useSession, useSignedIn } from '../session';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_LABEL: Readonly<Record<string, string>> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const HOURS = Array.from({ length: 24 }, (_, h) => h);

function describe(w: OrgMaintenanceWindow): string {
  if (w.window === null) return `No organization window: devices bound to a patient install when their campaign sends, unless the campaign sets a window (time zone ${w.timeZone}).`;
  return `${DAYS.filter((d) => w.window?.days.includes(d)).map((d) => DAY_LABEL[d] ?? d).join(', ')}, ${w.window.startHour}:00–${w.window.endHour}:00 ${w.timeZone}${w.window.endHour <= w.window.startHour ? ' (into the next day)' : ''}.`;
}

/**
 * A campaign's window as the server describes it ("sat,sun 22-4 Europe/Berlin" or "1-5 UTC"), in
 * words: "Saturday, Sunday, 22:00–4:00 Europe/Berlin (into the next day)". Unknown shapes are shown as sent.
 */
export function describeWindowText(text: string): string {
  const match = /^(?:([a-z,]+) )?(\d{1,2})-(\d{1,2}) (\S+)$/.exec(text);
  if (match === null) return text;
  const [, days, start, end, zone] = match;
  const named = days === undefined ? '' : `${days.split(',').map((d) => DAY_LABEL[d] ?? d).join(', ')}, `;
  return `${named}${start}:00–${end}:00 ${zone}${Number(end) <= Number(start) ? ' (into the next day)' : ''}`;
}

/** The organization's maintenance window: shown to readers, set by approvers (rollouts:approve). */
export function MaintenanceWindowPanel() {
  const { api } = useSession();
  const session = useSignedIn();
  const [current, reload] = useResource(() => api.maintenanceWindow(), 'maintenance-window');
  const [days, setDays] = useState<string[]>([]);
  const [start, setStart] = useState(1);
  const [end, setEnd] = useState(5);
  const action = useAction();
  if (current.status === 'loading') return <Loading what="the maintenance window" />;
  if (current.status === 'error') return <ErrorNotice error={current.error} />;
  const editable = can(session.roles, 'rollouts:approve');
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if ((await action.run(() => api.setMaintenanceWindow({ days: DAYS.filter((d) => days.includes(d)), startHour: start, endHour: end }))) !== undefined) reload();
  };
  const clear = async () => {
    if ((await action.run(() => api.setMaintenanceWindow(null))) !== undefined) reload();
  };
  return (
    <section aria-labelledby="window-title">
      <h2 id="window-title">Maintenance window</h2>
      <p data-testid="org-window">{describe(current.data)}</p>
      <p className="muted small">Devices bound to a patient download at once and install only inside it. The time zone is the one in the incident settings.</p>
      {editable && (
        <form aria-label="Set the maintenance window" className="form" onSubmit={(event) => void save(event)}>
          <fieldset>
            <legend>Days it opens</legend>
            {DAYS.map((d) => (
              <label key={d} className="checkbox">
                <input type="checkbox" checked={days.includes(d)} onChange={(event) => setDays(event.target.checked ? [...days, d] : days.filter((x) => x !== d))} /> {DAY_LABEL[d]}
              </label>
            ))}
          </fieldset>
          <HourSelect label="From (local hour)" value={start} onChange={setStart} />
          <HourSelect label="Until (local hour)" value={end} onChange={setEnd} />
          <div className="actions">
            <button type="submit" className="primary" disabled={action.busy || days.length === 0}>
              Save the window
            </button>
            {current.data.window !== null && (
              <button type="button" disabled={action.busy} onClick={() => void clear()}>
                Remove the window
              </button>
            )}
          </div>
          <ErrorNotice error={action.error} />
        </form>
      )}
    </section>
  );
}

function numbers(text: string): number[] {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map(Number);
}

/** Requests a campaign of a release; it waits for a second person's approval (with MFA). */
export function RequestRolloutForm({ model, version }: { readonly model?: string; readonly version?: string }) {
  const { api } = useSession();
  const session = useSignedIn();
  const [releases] = useResource(() => api.firmwareReleases().then((r) => r.releases), 'rollout-form-releases');
  const [release, setRelease] = useState(model !== undefined && version !== undefined ? `${model}@${version}` : '');
  const [waves, setWaves] = useState('1,10,50,100');
  const [soakMinutes, setSoakMinutes] = useState(60);
  const [failurePct, setFailurePct] = useState(5);
  const [groups, setGroups] = useState('');
  const [site, setSite] = useState('');
  const [startAt, setStartAt] = useState('');
  const [windowKind, setWindowKind] = useState<'org' | 'own' | 'override'>('org');
  const [start, setStart] = useState(1);
  const [end, setEnd] = useState(5);
  const action = useAction();
  if (!can(session.roles, 'rollouts:request')) return null;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const [m = '', v = ''] = release.split('@');
    const body: RolloutRequest = {
      model: m,
      version: v,
      waves: numbers(waves),
      soakSeconds: Math.round(soakMinutes * 60),
      maxFailureRate: failurePct / 100,
      ...(groups.trim() !== '' ? { groups: groups.split(',').map((g) => g.trim()).filter((g) => g !== '') } : {}),
      ...(site.trim() !== '' ? { site: site.trim() } : {}),
      ...(windowKind === 'own' ? { maintenanceWindowUtc: [start, end] } : {}),
      ...(windowKind === 'override' ? { overrideMaintenanceWindow: true } : {}),
      // datetime-local is this browser's local time: sent as an instant (the server checks it is ahead).
      ...(startAt !== '' && !Number.isNaN(new Date(startAt).getTime()) ? { startAt: new Date(startAt).toISOString() } : {}),
    };
    const created = await action.run(() => api.requestRollout(body));
    if (created !== undefined) navigate(`/rollouts/${encodeURIComponent(created.id)}`);
  };
  return (
    <section aria-labelledby="request-title">
      <h2 id="request-title">Request a rollout</h2>
      <p className="muted small">A second person approves it with a code from their authenticator app before anything is sent; the approval is recorded as a change request.</p>
      <form aria-label="Request a rollout" className="form" onSubmit={(event) => void submit(event)}>
        <label>
          Release
          <select required value={release} onChange={(event) => setRelease(event.target.value)}>
            <option value="">Choose a release</option>
            {releases.status === 'ok' &&
              releases.data.map((r) => (
                <option key={`${r.model}@${r.version}`} value={`${r.model}@${r.version}`}>
                  {r.model} {r.version}
                </option>
              ))}
          </select>
        </label>
        <label>
          Waves (cumulative %)
          <input required pattern="\s*\d{1,3}(\s*,\s*\d{1,3}){0,9}\s*" value={waves} onChange={(event) => setWaves(event.target.value)} />
        </label>
        <label>
          Soak per wave (minutes)
          <input type="number" min={0} max={43200} required value={soakMinutes} onChange={(event) => setSoakMinutes(Number(event.target.value))} />
        </label>
        <label>
          Halt above this install failure rate (%)
          <input type="number" min={0} max={100} step={0.5} required value={failurePct} onChange={(event) => setFailurePct(Number(event.target.value))} />
        </label>
        <label>
          Device groups (optional, comma-separated)
          <input value={groups} onChange={(event) => setGroups(event.target.value)} />
        </label>
        <label>
          Site (optional: only devices placed at this site)
          <input pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" value={site} onChange={(event) => setSite(event.target.value)} />
        </label>
        <label>
          Start at (optional, your local time; otherwise at approval)
          <input type="datetime-local" value={startAt} onChange={(event) => setStartAt(event.target.value)} />
        </label>
        <fieldset>
          <legend>Maintenance window for devices bound to a patient</legend>
          <label className="checkbox">
            <input type="radio" name="window" checked={windowKind === 'org'} onChange={() => setWindowKind('org')} /> The organization&apos;s window
          </label>
          <label className="checkbox">
            <input type="radio" name="window" checked={windowKind === 'own'} onChange={() => setWindowKind('own')} /> This campaign&apos;s own (UTC hours)
          </label>
          {windowKind === 'own' && (
            <span className="inline-form">
              <label>
                From (UTC)
                <input type="number" min={0} max={23} value={start} onChange={(event) => setStart(Number(event.target.value))} />
              </label>
              <label>
                Until (UTC)
                <input type="number" min={0} max={23} value={end} onChange={(event) => setEnd(Number(event.target.value))} />
              </label>
            </span>
          )}
          <label className="checkbox">
            <input type="radio" name="window" checked={windowKind === 'override'} onChange={() => setWindowKind('override')} /> Override: install at once (audited)
          </label>
        </fieldset>
        <button type="submit" className="primary" disabled={action.busy}>
          Request the rollout
        </button>
        <ErrorNotice error={action.error} />
      </form>
    </section>
  );
}

/** A local hour (0-23) picker of the maintenance window. */
function HourSelect({ label, value, onChange }: { label: string; value: number; onChange: (hour: number) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {HOURS.map((h) => (
          <option key={h} value={h}>
            {h}:00
          </option>
        ))}
      </select>
    </label>
  );
}
