/**
 * Containment from the incident page (issue 15): quarantine or revoke devices (one, a list, the
 * whole blast radius or a group), disable users and end their sessions, block a source address or
 * range until an expiry, pause the organization's rollouts, start a remediation update. Each asks
 * for a confirmation with a reason; an action on more than 10 devices or a whole group asks for
 * the requester's second-factor code and then waits for a second person, who approves it here
 * with their own code.
 *
 * MUST: the server decides (permission, the bulk rule, the approver being another person); the
 *       console only predicts when a code is needed and shows the server's answer.
 */
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Time } from '../components/feedback';
import { useAction } from '../components/use-action';
import { call, type ActionList, type ActionView, type ContainAnswer, type ContainmentKind } from './incident-api';

/** The kinds a person starts from the console (key rotation and password resets are the CLI's). */
type Kind = Exclude<ContainmentKind, 'force-password-reset' | 'rotate-keys'>;
type Scope = 'list' | 'blast' | 'group';

export interface BlastTargets {
  readonly devices: ReadonlyArray<{ readonly id: string; readonly unknownHash: boolean }>;
  readonly users: readonly string[];
}

/** More than this many devices (or a whole group) needs a second person (incidents/containment-model.ts). */
const BULK_THRESHOLD = 10;

const LABEL: Record<Kind, string> = {
  'quarantine-devices': 'Quarantine devices',
  'revoke-devices': 'Revoke devices',
  'disable-users': 'Disable users and end sessions',
  'block-source': 'Block a source address',
  'pause-rollouts': 'Pause rollouts',
  'remediation-update': 'Start a remediation update',
};

const EXPLAIN: Record<Kind, string> = {
  'quarantine-devices': 'The devices stay enrolled but are isolated: their open connections are cut, telemetry is held and they receive no commands until released.',
  'revoke-devices': 'The devices’ certificates are revoked at once and their connections closed. This cannot be undone.',
  'disable-users': 'The accounts are disabled and every session of theirs ends at once.',
  'block-source': 'Requests and MQTT connections from the address or range are refused at both edges until the block expires.',
  'pause-rollouts': 'Every running firmware rollout of the organization is paused; a person resumes it from the rollouts.',
  'remediation-update': 'A rollout of the newest published release to the devices, which waits for the rollouts’ own two-person approval.',
};

const HOURS: ReadonlyArray<readonly [number, string]> = [
  [1, '1 hour'],
  [4, '4 hours'],
  [24, '24 hours'],
  [72, '3 days'],
  [168, '7 days'],
  [720, '30 days'],
];

const isDeviceKind = (kind: Kind) => kind === 'quarantine-devices' || kind === 'revoke-devices' || kind === 'remediation-update';

function summary(a: ActionView): string {
  if (a.status === 'pending-approval') return 'waiting for a second person';
  const failed = a.results.filter((r) => r.outcome === 'failed');
  const codes = [...new Set(failed.map((r) => r.code ?? 'failed'))].join(', ');
  return `${a.results.length - failed.length} ok${failed.length > 0 ? `, ${failed.length} failed (${codes})` : ''}`;
}

export function ContainmentPanel({ base, csrf, manage, blast }: { readonly base: string; readonly csrf: string; readonly manage: boolean; readonly blast: BlastTargets }) {
  const [actions, setActions] = useState<readonly ActionView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<Kind | null>(null);
  const [approving, setApproving] = useState<ActionView | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const headingId = useId();
  const load = useCallback(() => {
    call<ActionList>(csrf, 'GET', `${base}/actions`).then((r) => setActions(r.actions), setError);
  }, [csrf, base]);
  useEffect(load, [load]);
  const finished = (action: ActionView | undefined) => {
    setOpen(null);
    setApproving(null);
    if (action !== undefined) setOutcome(`${LABEL[action.kind as Kind] ?? action.kind}: ${summary(action)}.`);
    load();
  };
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Containment</h2>
      {manage ? (
        <div className="actions">
          {(Object.keys(LABEL) as Kind[]).map((kind) => (
            <button key={kind} type="button" className={kind === 'revoke-devices' ? 'danger' : ''} onClick={() => setOpen(kind)}>
              {LABEL[kind]}
            </button>
          ))}
        </div>
      ) : null}
      {outcome !== null ? (
        <p className="notice" role="status">
          {outcome}
        </p>
      ) : null}
      <ErrorNotice error={error} />
      {actions === null ? null : actions.length === 0 ? (
        <p>No containment actions yet.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Action</th>
              <th>Targets</th>
              <th>Requested</th>
              <th>Status</th>
              <th>Result</th>
              <th>
                <span className="visually-hidden">Approval</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {actions.map((a) => (
              <tr key={a.id}>
                <td>{LABEL[a.kind as Kind] ?? a.kind}</td>
                <td>
                  {a.options.group !== undefined ? `group ${a.options.group}: ` : ''}
                  {a.targets.length} {a.targets.length === 1 ? 'target' : 'targets'}
                  {a.options.hours !== undefined ? `, ${a.options.hours} h` : ''}
                </td>
                <td>
                  <Time iso={a.createdAt} />
                </td>
                <td>{a.status}</td>
                <td>{summary(a)}</td>
                <td>
                  {manage && a.status === 'pending-approval' ? (
                    <button type="button" className="primary" onClick={() => setApproving(a)}>
                      Approve
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open !== null ? <ContainDialog kind={open} base={base} csrf={csrf} blast={blast} onClose={finished} /> : null}
      {approving !== null ? <ApproveDialog action={approving} base={base} csrf={csrf} onClose={finished} /> : null}
    </section>
  );
}

function ContainDialog({ kind, base, csrf, blast, onClose }: { readonly kind: Kind; readonly base: string; readonly csrf: string; readonly blast: BlastTargets; readonly onClose: (action: ActionView | undefined) => void }) {
  const fromBlast = kind === 'disable-users' ? blast.users : kind === 'remediation-update' ? blast.devices.filter((d) => d.unknownHash).map((d) => d.id) : blast.devices.map((d) => d.id);
  const [scope, setScope] = useState<Scope>(fromBlast.length > 0 ? 'blast' : 'list');
  const [list, setList] = useState('');
  const [group, setGroup] = useState('');
  const [address, setAddress] = useState('');
  const [hours, setHours] = useState(24);
  const [reason, setReason] = useState('');
  const [code, setCode] = useState('');
  const action = useAction();
  const listed = [...new Set(list.split(/[\s,]+/).filter((t) => t !== ''))];
  const count = kind === 'pause-rollouts' ? 0 : kind === 'block-source' ? 1 : scope === 'blast' ? fromBlast.length : scope === 'list' ? listed.length : null;
  const bulk = isDeviceKind(kind) && (scope === 'group' || (count ?? 0) > BULK_THRESHOLD);
  const scopes: ReadonlyArray<readonly [Scope, string]> =
    kind === 'block-source' || kind === 'pause-rollouts'
      ? []
      : [
          ['blast', `The whole blast radius (${fromBlast.length} ${kind === 'disable-users' ? 'users' : kind === 'remediation-update' ? 'devices with an unknown firmware hash' : 'devices'})`],
          ['list', kind === 'disable-users' ? 'Users I list' : 'Devices I list'],
          ...(kind === 'quarantine-devices' || kind === 'revoke-devices' ? ([['group', 'A whole device group']] as const) : []),
        ];
  const ready = reason.trim() !== '' && (!bulk || /^[0-9]{6,10}$/.test(code)) && (kind === 'block-source' ? address.trim() !== '' : kind === 'pause-rollouts' || (scope === 'group' ? group.trim() !== '' : (count ?? 0) > 0));
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const body: Record<string, unknown> = { kind, reason: reason.trim() };
    if (kind === 'block-source') Object.assign(body, { targets: [address.trim()], hours });
    else if (kind !== 'pause-rollouts') Object.assign(body, scope === 'blast' ? { blastRadius: true } : scope === 'group' ? { group: group.trim() } : { targets: listed });
    if (bulk) body['stepUpCode'] = code;
    const done = await action.run(() => call<ContainAnswer>(csrf, 'POST', `${base}/contain`, body));
    if (done !== undefined) onClose(done.action);
  };
  return (
    <Dialog open title={`${LABEL[kind]}?`} onClose={() => onClose(undefined)}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <p>{EXPLAIN[kind]}</p>
        {scopes.length > 0 ? (
          <fieldset>
            <legend>Which</legend>
            {scopes.map(([value, label]) => (
              <label key={value}>
                <input type="radio" name="scope" value={value} checked={scope === value} onChange={() => setScope(value)} /> {label}
              </label>
            ))}
          </fieldset>
        ) : null}
        {scope === 'list' && scopes.length > 0 ? (
          <label>
            {kind === 'disable-users' ? 'User ids' : 'Device ids'} (one per line)
            <textarea name="targets" rows={4} value={list} onChange={(e) => setList(e.target.value)} />
          </label>
        ) : null}
        {scope === 'group' && scopes.length > 0 ? (
          <label>
            Device group
            <input name="group" value={group} pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" onChange={(e) => setGroup(e.target.value)} />
          </label>
        ) : null}
        {kind === 'block-source' ? (
          <>
            <label>
              Address or range
              <input name="address" value={address} placeholder="198.51.100.23 or 198.51.100.0/24" onChange={(e) => setAddress(e.target.value)} />
            </label>
            <label>
              Expires after
              <select name="hours" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
                {HOURS.map(([h, label]) => (
                  <option key={h} value={h}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
        <label>
          Reason
          <textarea name="reason" rows={2} required maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        {bulk ? (
          <>
            <p className="notice notice-warning">More than {BULK_THRESHOLD} devices or a whole group: a second person must approve before anything happens. Confirm with your second factor.</p>
            <label>
              Authenticator code
              <input name="stepUpCode" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value.trim())} />
            </label>
          </>
        ) : null}
        <ErrorNotice error={action.error} />
        <div className="actions">
          <button type="submit" className={kind === 'pause-rollouts' || kind === 'remediation-update' ? 'primary' : 'danger'} disabled={action.busy || !ready}>
            {bulk ? 'Request approval' : LABEL[kind]}
          </button>
          <button type="button" onClick={() => onClose(undefined)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ApproveDialog({ action: pending, base, csrf, onClose }: { readonly action: ActionView; readonly base: string; readonly csrf: string; readonly onClose: (action: ActionView | undefined) => void }) {
  const [code, setCode] = useState('');
  const action = useAction();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const done = await action.run(() => call<ContainAnswer>(csrf, 'POST', `${base}/actions/${encodeURIComponent(pending.id)}/approve`, { stepUpCode: code }));
    if (done !== undefined) onClose(done.action);
  };
  return (
    <Dialog open title="Approve the containment action?" onClose={() => onClose(undefined)}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <p>
          {LABEL[pending.kind as Kind] ?? pending.kind} on {pending.targets.length} {pending.targets.length === 1 ? 'target' : 'targets'}
          {pending.options.group !== undefined ? ` (group ${pending.options.group})` : ''}. It runs at once when you approve. The person who requested it cannot approve it.
        </p>
        <label>
          Authenticator code
          <input name="stepUpCode" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value.trim())} />
        </label>
        <ErrorNotice error={action.error} />
        <div className="actions">
          <button type="submit" className="danger" disabled={action.busy || !/^[0-9]{6,10}$/.test(code)}>
            Approve and run
          </button>
          <button type="button" onClick={() => onClose(undefined)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
