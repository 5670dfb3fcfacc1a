/**
 * "Backups & recovery" (issue 12): the backups with size, duration and verification result, the
 * DR drills with RTO and RPO over time, recent failures and the next scheduled runs.
 * It reads GET /api/v1/backups directly (platform admins only; every view is audited on the
 * server). "Back up now" and "Run drill now" start a background job on the server (audited) and
 * poll its progress and result until it ends, then reload the overview.
 */
import { useEffect, useState } from 'react';
import { can } from '../capabilities';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { useSession, useSignedIn } from '../session';

type Job = NonNullable<Awaited<ReturnType<ReturnType<typeof useSession>['api']['backupJob']>>['job']>;

interface BackupOverview {
  configured: boolean;
  backups: Array<{ id: string; target: string; engine: string; startedAt: string; createdAt: string; durationMs: number; bytes: number; auditHeadSeq: number; verification: { outcome: 'success' | 'failure'; at: string; detail: string } | null }>;
  drills: Array<{ at: string; backupId: string | null; outcome: 'success' | 'failure'; rtoMs: number | null; rpoMs: number | null; report: string | null }>;
  failures: Array<{ at: string; kind: string; target: string; detail: string }>;
  nextRuns: Array<{ job: string; at: string | null }>;
  objectives: Record<string, { rtoMinutes: number; rpoMinutes: number }>;
}

async function loadOverview(): Promise<BackupOverview> {
  const response = await fetch('/api/v1/backups', { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The server answered ${response.status} ${response.statusText}.`);
  return (await response.json()) as BackupOverview;
}

function size(bytes: number): string {
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function span(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** RTO of each drill as a bar, oldest to newest, against the tightest RTO objective. */
function RtoBars({ drills, targetMs }: { readonly drills: BackupOverview['drills']; readonly targetMs: number }) {
  const shown = [...drills].reverse().slice(-20);
  const max = Math.max(targetMs, ...shown.map((d) => d.rtoMs ?? 0), 1);
  return (
    <svg role="img" aria-label="RTO of the last drills against the objective" width={Math.max(120, shown.length * 18)} height={80}>
      <line x1={0} x2={shown.length * 18} y1={80 - (targetMs / max) * 76} y2={80 - (targetMs / max) * 76} stroke="currentColor" strokeDasharray="4 3" />
      {shown.map((d, i) => (
        <rect key={`${d.at}-${i}`} x={i * 18 + 3} width={12} y={80 - ((d.rtoMs ?? 0) / max) * 76} height={((d.rtoMs ?? 0) / max) * 76} fill={d.outcome === 'success' ? '#2b8a3e' : '#c92a2a'}>
          <title>{`${d.at}: RTO ${span(d.rtoMs)}, RPO ${span(d.rpoMs)}`}</title>
        </rect>
      ))}
    </svg>
  );
}

/** The buttons and the state of the running (or last) job; polls once a second while one runs. */
function JobControls({ onFinished }: { readonly onFinished: () => void }) {
  const { api } = useSession();
  const action = useAction();
  const [job, setJob] = useState<Job | null>(null);
  const running = job?.state === 'running';
  useEffect(() => {
    let cancelled = false;
    void api.backupJob().then((r) => !cancelled && setJob(r.job), () => undefined);
    return () => {
      cancelled = true;
    };
  }, [api]);
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => {
      void api.backupJob().then(
        (r) => {
          setJob(r.job);
          if (r.job?.state !== 'running') onFinished();
        },
        () => undefined,
      );
    }, 1000);
    return () => clearInterval(timer);
  }, [api, running, onFinished]);
  const start = (kind: 'backup' | 'drill') => void action.run(() => api.startBackupJob(kind)).then((started) => started !== undefined && setJob(started));
  return (
    <div aria-live="polite">
      <button type="button" className="primary" disabled={action.busy || running} onClick={() => start('backup')}>
        Back up now
      </button>{' '}
      <button type="button" disabled={action.busy || running} onClick={() => start('drill')}>
        Run drill now
      </button>
      {action.error !== null && <ErrorNotice error={action.error} />}
      {job !== null && <JobState job={job} />}
    </div>
  );
}

function JobState({ job }: { readonly job: Job }) {
  const what = job.kind === 'backup' ? 'Backup' : 'Drill';
  if (job.state === 'running') {
    const p = job.progress;
    const percent = p !== null && p.total > 0 ? Math.floor((100 * p.done) / p.total) : null;
    return (
      <p>
        {what} running since <Time iso={job.startedAt} />
        {percent !== null && (
          <>
            : <progress max={100} value={percent} /> {percent}% ({size(p?.done ?? 0)} of {size(p?.total ?? 0)})
          </>
        )}
      </p>
    );
  }
  const r = job.result;
  return (
    <p>
      {what} {job.state === 'succeeded' ? 'succeeded' : 'FAILED'} at <Time iso={job.finishedAt} />
      {r !== null && r.backupId !== null && (
        <>
          {' '}
          (<code>{r.backupId}</code>)
        </>
      )}
      {job.kind === 'drill' && r !== null && `: RTO ${span(r.rtoMs)}, RPO ${span(r.rpoMs)}`}
      {r?.outcomes.filter((o) => !o.ok).map((o) => ` ${o.target}: ${o.error ?? 'failed'}`)}
      {job.error !== null && `: ${job.error}`}
    </p>
  );
}

export function BackupsPage() {
  const session = useSignedIn();
  const [overview, reload] = useResource(loadOverview, 'backups-overview');
  if (overview.status === 'loading') return <Loading what="backups" />;
  if (overview.status === 'error') return <ErrorNotice error={overview.error} />;
  const o = overview.data;
  const tightestRto = Math.min(...Object.values(o.objectives).map((t) => t.rtoMinutes)) * 60_000;
  return (
    <section aria-labelledby="backups-title">
      <div className="page-head">
        <h1 id="backups-title">Backups &amp; recovery</h1>
      </div>
      {o.configured && can(session.roles, 'backups:manage') && <JobControls onFinished={reload} />}
      {!o.configured && <p>Backups are not configured: set a target (backup.targets or VIGIL_BACKUP_DIR) and run <code>vigil backup init-recovery</code>.</p>}
      <h2>Next runs</h2>
      {o.nextRuns.length === 0 ? (
        <p>No scheduled job.</p>
      ) : (
        <ul>
          {o.nextRuns.map((r) => (
            <li key={r.job}>
              {r.job}: <Time iso={r.at} />
            </li>
          ))}
        </ul>
      )}
      <h2>Backups</h2>
      {o.backups.length === 0 ? (
        <p>No backup yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Backup</th>
              <th scope="col">Target</th>
              <th scope="col">Size</th>
              <th scope="col">Duration</th>
              <th scope="col">Audit head</th>
              <th scope="col">Verification</th>
            </tr>
          </thead>
          <tbody>
            {o.backups.map((b) => (
              <tr key={`${b.target}/${b.id}`}>
                <td>
                  <Time iso={b.createdAt} /> <code>{b.id}</code>
                </td>
                <td>{b.target}</td>
                <td>{size(b.bytes)}</td>
                <td>{span(b.durationMs)}</td>
                <td>{b.auditHeadSeq}</td>
                <td>{b.verification === null ? 'not verified' : b.verification.outcome === 'success' ? 'verified' : `FAILED: ${b.verification.detail}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Disaster-recovery drills</h2>
      {o.drills.length === 0 ? (
        <p>No drill yet: run <code>vigil dr drill</code>.</p>
      ) : (
        <>
          <RtoBars drills={o.drills} targetMs={tightestRto} />
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Backup</th>
                <th scope="col">Result</th>
                <th scope="col">RTO</th>
                <th scope="col">RPO</th>
              </tr>
            </thead>
            <tbody>
              {o.drills.map((d, i) => (
                <tr key={`${d.at}-${i}`}>
                  <td>
                    <Time iso={d.at} />
                  </td>
                  <td>
                    <code>{d.backupId ?? '—'}</code>
                  </td>
                  <td>{d.outcome === 'success' ? 'passed' : 'FAILED'}</td>
                  <td>{span(d.rtoMs)}</td>
                  <td>{span(d.rpoMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Recovery objectives</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Data class</th>
            <th scope="col">RTO</th>
            <th scope="col">RPO</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(o.objectives).map(([dataClass, t]) => (
            <tr key={dataClass}>
              <td>{dataClass}</td>
              <td>{t.rtoMinutes} min</td>
              <td>{t.rpoMinutes} min</td>
            </tr>
          ))}
        </tbody>
      </table>
      {o.failures.length > 0 && (
        <>
          <h2>Recent failures</h2>
          <ul>
            {o.failures.slice(0, 20).map((f, i) => (
              <li key={`${f.at}-${i}`}>
                <Time iso={f.at} /> {f.kind} on {f.target}: {f.detail}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
