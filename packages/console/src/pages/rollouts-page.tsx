/**
 * Firmware rollouts (issue 13): the campaigns, and one campaign as a live progress view (its
 * waves with waiting / held / sent / installed / failed devices, the health gates, why it halted,
 * the maintenance window it applies and whether devices wait for it), with the approval step and
 * pause / resume / abort / rollback.
 *
 * MUST: the approval is a second person's: the console offers no approval to the requester (the
 *       server refuses it anyway), and the approver confirms with a fresh authenticator code
 *       (step-up, checked by the server); the code is never kept after the request.
 * MUST: the progress view polls while the campaign can still move (every 5 s) and stops when it
 *       is finished or the page is left. A campaign is requested here (rollout-forms.tsx) or with
 *       `vigil rollout create`.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { RolloutAction, RolloutCampaign, RolloutProgress } from '../api/types';
import { can } from '../capabilities';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { describeWindowText, MaintenanceWindowPanel, RequestRolloutForm } from './rollout-forms';
import { useSession, useSignedIn } from '../session';

const POLL_MS = 5_000;
const MOVING = new Set(['pending-approval', 'running', 'paused']);

const STATUS_LABEL: Readonly<Record<string, string>> = {
  'pending-approval': 'waiting for approval',
  running: 'running',
  paused: 'paused',
  halted: 'halted by a health gate',
  aborted: 'aborted',
  completed: 'completed',
  'rolled-back': 'rolled back',
};

function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function RolloutsPage() {
  const { api } = useSession();
  const [campaigns] = useResource(() => api.rollouts().then((r) => r.rollouts), 'rollouts');
  if (campaigns.status === 'error') return <ResourceProblem error={campaigns.error} />;
  return (
    <section aria-labelledby="rollouts-title">
      <div className="page-head">
        <h1 id="rollouts-title">Rollouts</h1>
        <nav aria-label="Firmware views" className="tabs">
          <Link to="/firmware">Releases</Link> <Link to="/firmware/integrity">Fleet integrity</Link>
        </nav>
      </div>
      {campaigns.status === 'loading' ? (
        <Loading what="rollouts" />
      ) : campaigns.data.length === 0 ? (
        <p>No campaign yet: request one below (or with <code>vigil rollout create --org ORG --model M --version V</code>).</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Firmware rollout campaigns</caption>
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">Status</th>
              <th scope="col">Wave</th>
              <th scope="col">Requested</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {campaigns.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/rollouts/${encodeURIComponent(c.id)}`}>
                    {c.model} {c.targetVersion}
                  </Link>
                </td>
                <td>{statusLabel(c.status)}</td>
                <td>
                  {c.currentWave + 1} of {c.waves.length} ({c.waves[c.currentWave] ?? 100}%)
                </td>
                <td>
                  <Time iso={c.createdAt} />
                </td>
                <td>
                  <Time iso={c.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RequestRolloutForm />
      <MaintenanceWindowPanel />
    </section>
  );
}

export function RolloutPage({ rolloutId }: { readonly rolloutId: string }) {
  const { api } = useSession();
  const [progress, reload] = useResource(() => api.rollout(rolloutId), `rollout-${rolloutId}`);
  const moving = progress.status === 'ok' && MOVING.has(progress.data.campaign.status);
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(reload, POLL_MS);
    return () => clearInterval(timer);
  }, [moving, reload]);
  if (progress.status === 'error') return <ResourceProblem error={progress.error} />;
  if (progress.status === 'loading') return <Loading what="the rollout" />;
  return <CampaignView progress={progress.data} live={moving} onChanged={reload} />;
}

function CampaignView({ progress, live, onChanged }: { readonly progress: RolloutProgress; readonly live: boolean; readonly onChanged: () => void }) {
  const c = progress.campaign;
  const total = progress.waves.reduce((n, w) => n + w.devices, 0);
  const installed = progress.waves.reduce((n, w) => n + w.installed, 0);
  const failed = progress.waves.reduce((n, w) => n + w.failed, 0);
  return (
    <section aria-labelledby="rollout-title">
      <div className="page-head">
        <h1 id="rollout-title">
          Rollout of {c.model} {c.targetVersion}
        </h1>
        <Link to="/rollouts">All rollouts</Link>
      </div>
      <p role="status" aria-live="polite" data-testid="rollout-status">
        <strong>{statusLabel(c.status)}</strong>: wave {c.currentWave + 1} of {c.waves.length}; {installed} of {total} devices installed, {failed} failed.
        {live && <span className="muted small"> Updates every {POLL_MS / 1000} s.</span>}
      </p>
      {c.haltReason !== null && (
        <div className="notice notice-warning">
          <p>Halted: {c.haltReason}</p>
        </div>
      )}
      <WindowWait progress={progress} />
      <ApprovalStep campaign={c} onChanged={onChanged} />
      <CampaignActions campaign={c} onChanged={onChanged} />
      <h2>Waves</h2>
      <table className="table">
        <caption className="visually-hidden">Devices per wave and their install state</caption>
        <thead>
          <tr>
            <th scope="col">Wave</th>
            <th scope="col">Devices</th>
            <th scope="col">Waiting</th>
            <th scope="col">Held for window</th>
            <th scope="col">Sent</th>
            <th scope="col">Installed</th>
            <th scope="col">Failed</th>
            <th scope="col">Progress</th>
          </tr>
        </thead>
        <tbody>
          {progress.waves.map((w, i) => (
            <tr key={i} data-wave={i + 1}>
              <th scope="row">
                {i + 1}: {w.share}%{i === c.currentWave && c.status === 'running' ? ' (open)' : i > c.currentWave ? ' (not yet)' : ''}
              </th>
              <td>{w.devices}</td>
              <td>{w.waiting}</td>
              <td>{w.held}</td>
              <td>{w.sent}</td>
              <td>{w.installed}</td>
              <td>{w.failed}</td>
              <td>
                <WaveBar wave={w} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Health gates</h2>
      <dl className="facts">
        <dt>Install failures</dt>
        <dd>halt above {(c.maxFailureRate * 100).toFixed(1)}% of a wave&apos;s devices; a device is retried {c.maxRetries} time(s) before it counts as failed</dd>
        <dt>Clinical telemetry</dt>
        <dd>{c.clinicalGapSeconds > 0 ? `an updated device bound to a patient that sends no reading for ${duration(c.clinicalGapSeconds)} halts the campaign` : 'not a gate'}</dd>
        <dt>Back online</dt>
        <dd>within {duration(c.offlineTimeoutSeconds)} with a verified attestation of {c.targetVersion}</dd>
        <dt>Security alerts</dt>
        <dd>{c.haltOnSecurityAlert ? 'a new alert on an updated device halts the campaign' : 'not a gate'}</dd>
        <dt>Soak</dt>
        <dd>
          {duration(c.soakSeconds)} per wave{c.waveStartedAt !== null && <> (this wave opened <Time iso={c.waveStartedAt} />)</>}
        </dd>
        <dt>Maintenance window</dt>
        <dd data-testid="campaign-window">
          <WindowFact progress={progress} />
        </dd>
        <dt>Site</dt>
        <dd data-testid="campaign-site">{c.site ?? 'every site'}</dd>
        <dt>Starts</dt>
        <dd data-testid="campaign-start">
          {c.startAt === null ? (
            'when a second person approves it'
          ) : (
            <>
              scheduled: <Time iso={c.startAt} />
              {c.status === 'running' && Date.parse(c.startAt) > Date.now() && ' (approved; nothing is sent before then)'}
            </>
          )}
        </dd>
        <dt>Requested by</dt>
        <dd>
          {c.requestedBy}, <Time iso={c.createdAt} />
        </dd>
        <dt>Approved by</dt>
        <dd>{c.approvedBy ?? <span className="muted">not yet</span>}</dd>
      </dl>
    </section>
  );
}

/** Which window the campaign applies (its own, the organization's, overridden, none), and whether it is open. */
function WindowFact({ progress }: { readonly progress: RolloutProgress }) {
  const w = progress.window;
  if (w.source === 'override') return <>overridden (audited): devices bound to a patient install at once</>;
  if (w.source === 'none') return <>none: the organization has set no window (see Rollouts) and the campaign none of its own, so devices install at once</>;
  return (
    <>
      {w.source === 'organization' ? "the organization's" : "the campaign's own"}: {describeWindowText(w.description ?? '')};{' '}
      {w.openNow ? (
        'open now'
      ) : (
        <>
          closed now{w.nextOpensAt !== null && <>, opens <Time iso={w.nextOpensAt} /></>}
        </>
      )}
      . Devices bound to a patient download at once and install only inside it.
    </>
  );
}

/** Whether the campaign waits for the window: devices held (downloaded, not installed) until it opens. */
function WindowWait({ progress }: { readonly progress: RolloutProgress }) {
  const held = progress.waves.reduce((n, w) => n + w.held, 0);
  const w = progress.window;
  if (held === 0 || !['running', 'paused'].includes(progress.campaign.status)) return null;
  return (
    <div className="notice" data-testid="window-wait">
      <p>
        {w.openNow ? (
          <>
            The maintenance window is open: {held} device{held === 1 ? '' : 's'} bound to a patient install at the engine&apos;s next pass.
          </>
        ) : (
          <>
            Waiting for the maintenance window: {held} device{held === 1 ? '' : 's'} bound to a patient downloaded the release and install when it opens
            {w.nextOpensAt !== null && (
              <>
                {' '}
                (<Time iso={w.nextOpensAt} />)
              </>
            )}
            . The campaign completes only after they have.
          </>
        )}
      </p>
    </div>
  );
}

function WaveBar({ wave }: { readonly wave: RolloutProgress['waves'][number] }) {
  const pct = (n: number) => `${wave.devices === 0 ? 0 : (n / wave.devices) * 100}%`;
  return (
    <div className="wave-bar" role="img" aria-label={`${wave.installed} installed, ${wave.sent} sent, ${wave.failed} failed of ${wave.devices}`}>
      <span className="installed" style={{ width: pct(wave.installed) }} />
      <span className="sent" style={{ width: pct(wave.sent) }} />
      <span className="failed" style={{ width: pct(wave.failed) }} />
    </div>
  );
}

/** The second person's approval, confirmed with a fresh authenticator code (step-up). */
function ApprovalStep({ campaign, onChanged }: { readonly campaign: RolloutCampaign; readonly onChanged: () => void }) {
  const { api } = useSession();
  const session = useSignedIn();
  const [code, setCode] = useState('');
  const action = useAction();
  if (campaign.status !== 'pending-approval') return null;
  if (!can(session.roles, 'rollouts:approve')) return <p>This campaign waits for approval by a security officer or an administrator.</p>;
  if (campaign.requestedBy === `user:${session.user.id}`) return <p data-testid="own-request">You requested this campaign: another person must approve it.</p>;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const done = await action.run(() => api.approveRollout(campaign.id, code.replace(/\s+/g, '')));
    setCode('');
    if (done !== undefined) onChanged();
  };
  return (
    <form className="inline-form" aria-label="Approve the rollout" onSubmit={(event) => void submit(event)}>
      <label>
        Code from your authenticator app
        <input inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,9}" required value={code} onChange={(event) => setCode(event.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={action.busy}>
        Approve the rollout
      </button>
      <ErrorNotice error={action.error} />
    </form>
  );
}

const ACTIONS: ReadonlyArray<{ readonly action: RolloutAction; readonly label: string; readonly from: readonly string[]; readonly capability: 'rollouts:pause' | 'rollouts:request' | 'rollouts:approve' }> = [
  { action: 'pause', label: 'Pause', from: ['running'], capability: 'rollouts:pause' },
  { action: 'resume', label: 'Resume', from: ['paused', 'halted'], capability: 'rollouts:approve' },
  { action: 'abort', label: 'Abort', from: ['pending-approval', 'running', 'paused', 'halted'], capability: 'rollouts:request' },
  { action: 'rollback', label: 'Roll back', from: ['running', 'paused', 'halted', 'completed'], capability: 'rollouts:approve' },
];

function CampaignActions({ campaign, onChanged }: { readonly campaign: RolloutCampaign; readonly onChanged: () => void }) {
  const { api } = useSession();
  const session = useSignedIn();
  const action = useAction();
  const offered = ACTIONS.filter((a) => a.from.includes(campaign.status) && can(session.roles, a.capability));
  if (offered.length === 0) return null;
  const act = async (which: RolloutAction) => {
    if ((which === 'abort' || which === 'rollback') && !window.confirm(which === 'abort' ? 'Abort this campaign? Nothing more is sent.' : 'Tell every device that installed it to return to its previous image?')) return;
    if ((await action.run(() => api.changeRollout(campaign.id, which))) !== undefined) onChanged();
  };
  return (
    <div className="actions">
      {offered.map((a) => (
        <button key={a.action} type="button" disabled={action.busy} onClick={() => void act(a.action)}>
          {a.label}
        </button>
      ))}
      <ErrorNotice error={action.error} />
    </div>
  );
}
