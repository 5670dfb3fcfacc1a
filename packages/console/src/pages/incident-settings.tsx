/**
 * The organization's incident settings on the incidents page (issue 15): the IANA time zone the
 * notification clocks count working days, calendar days and the year end in. A picker of the
 * zones this browser knows (type to filter); a name it does not know is refused here before the
 * server refuses it too. Readers see the zone; incidents:manage may change it.
 *
 * MUST: the server decides (permission, validity); the whole settings object is sent back as
 *       read, with only the time zone changed, so nothing else is lost.
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/feedback';
import { useAction } from '../components/use-action';
import { call, type IncidentSettings } from './incident-api';

/** The IANA zones of the browser's Intl data, and UTC (the default). */
function knownZones(): readonly string[] {
  const listed = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...listed.filter((z) => z !== 'UTC')];
}

/** Why a name is not an IANA zone (null when it is one). Offsets and abbreviations are refused, as the server does. */
function zoneProblem(name: string, zones: readonly string[]): string | null {
  if (name.trim() === '') return 'Choose a time zone.';
  if (!/^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/.test(name)) return `“${name}” is not an IANA time zone name (such as Europe/Berlin or America/New_York); offsets and abbreviations are not accepted.`;
  if (zones.includes(name)) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return null;
  } catch {
    return `Unknown time zone “${name}”.`;
  }
}

export function IncidentSettingsPanel({ csrf, manage }: { readonly csrf: string; readonly manage: boolean }) {
  const zones = useMemo(knownZones, []);
  const [settings, setSettings] = useState<IncidentSettings | null>(null);
  const [zone, setZone] = useState('');
  const [touched, setTouched] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const action = useAction();
  const ids = { heading: useId(), list: useId(), problem: useId() };
  useEffect(() => {
    call<IncidentSettings>(csrf, 'GET', '/api/v1/incident-settings').then((s) => {
      setSettings(s);
      setZone(s.timeZone ?? 'UTC');
    }, setError);
  }, [csrf]);
  const problem = zoneProblem(zone, zones);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    setSaved(null);
    if (settings === null || problem !== null) return;
    const next = await action.run(() => call<IncidentSettings>(csrf, 'PUT', '/api/v1/incident-settings', { ...settings, timeZone: zone }));
    if (next !== undefined) {
      setSettings(next);
      setSaved(`The clocks now count in ${next.timeZone ?? 'UTC'}.`);
    }
  };
  return (
    <section aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Incident settings</h2>
      <ErrorNotice error={error} />
      {settings === null ? null : manage ? (
        <form className="inline-form" noValidate onSubmit={(event) => void submit(event)}>
          <label>
            Time zone of the notification clocks
            <input
              name="timeZone"
              list={ids.list}
              autoComplete="off"
              spellCheck={false}
              value={zone}
              aria-invalid={touched && problem !== null}
              aria-describedby={touched && problem !== null ? ids.problem : undefined}
              onChange={(e) => {
                setZone(e.target.value.trim());
                setTouched(true);
                setSaved(null);
              }}
            />
          </label>
          <datalist id={ids.list}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <button type="submit" className="primary" disabled={action.busy || (touched && problem !== null)}>
            Save
          </button>
          {touched && problem !== null ? (
            <p id={ids.problem} className="notice notice-error" role="alert">
              {problem}
            </p>
          ) : null}
        </form>
      ) : (
        <p>Notification clocks count working days and the year end in {settings.timeZone ?? 'UTC'}.</p>
      )}
      <p className="muted small">Working days, calendar days and the end of the year (HIPAA’s HHS log) are counted in this zone; holidays are local dates in it.</p>
      <ErrorNotice error={action.error} />
      {saved !== null ? (
        <p className="notice" role="status">
          {saved}
        </p>
      ) : null}
    </section>
  );
}
