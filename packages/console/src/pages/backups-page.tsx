/**
 * "Backups & recovery" (issue 12): the backups with size, duration and verification result, the
 * DR drills with RTO and RPO over time, recent failures and the next scheduled runs.
 * It reads GET /api/v1/backups (platform admins only; every view is audited on the server). "Back up now" and "Run drill now" start a background job on the server (audited) and
 * poll its progress and result until it ends, then reload the overview.
 */
import { Button, Code, Group, List, Progress, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { BackupOverview } from '../api/types';
import { can } from '../capabilities';
import { DataTable } from '../components/data-table';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { Page, Section } from '../components/page';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { useSession, useSignedIn } from '../session';

type Job = NonNullable<Awaited<ReturnType<ReturnType<typeof useSession>['api']['backupJob']>>['job']>;

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
    <Stack gap="xs" aria-live="polite">
      <Group gap="sm">
        <Button disabled={action.busy || running} onClick={() => start('backup')}>
          Back up now
        </Button>
        <Button variant="default" disabled={action.busy || running} onClick={() => start('drill')}>
          Run drill now
        </Button>
      </Group>
      {action.error !== null && <ErrorNotice error={action.error} />}
      {job !== null && <JobState job={job} />}
    </Stack>
  );
}

function JobState({ job }: { readonly job: Job }) {
  const what = job.kind === 'backup' ? 'Backup' : 'Drill';
  if (job.state === 'running') {
    const p = job.progress;
    const percent = p !== null && p.total > 0 ? Math.floor((100 * p.done) / p.total) : null;
    return (
      <Stack gap={4}>
        <Text>
          {what} running since <Time iso={job.startedAt} />
          {percent !== null && (
            <>
              : {percent}% ({size(p?.done ?? 0)} of {size(p?.total ?? 0)})
            </>
          )}
        </Text>
        {percent !== null && <Progress value={percent} aria-label={`${what} progress`} maw="24rem" />}
      </Stack>
    );
  }
  const r = job.result;
  return (
    <Text>
      {what} {job.state === 'succeeded' ? 'succeeded' : 'FAILED'} at <Time iso={job.finishedAt} />
      {r !== null && r.backupId !== null && (
        <>
          {' '}
          (<Code>{r.backupId}</Code>)
        </>
      )}
      {job.kind === 'drill' && r !== null && `: RTO ${span(r.rtoMs)}, RPO ${span(r.rpoMs)}`}
      {r?.outcomes.filter((o) => !o.ok).map((o) => ` ${o.target}: ${o.error ?? 'failed'}`)}
      {job.error !== null && `: ${job.error}`}
    </Text>
  );
}

export function BackupsPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const [overview, reload] = useResource(() => api.backupOverview(), 'backups-overview');
  if (overview.status === 'loading') return <Loading what="backups" />;
  if (overview.status === 'error') return <ResourceProblem error={overview.error} />;
  const o = overview.data;
  const tightestRto = Math.min(...Object.values(o.objectives).map((t) => t.rtoMinutes)) * 60_000;
  return (
    <Page title="Backups & recovery" description="Backups with their verification, disaster-recovery drills with RTO and RPO, and the next scheduled runs.">
      {o.configured && can(session.roles, 'backups:manage') && <JobControls onFinished={reload} />}
      {!o.configured && (
        <Text>
          Backups are not configured: set a target (backup.targets or VIGIL_BACKUP_DIR) and run <Code>vigil backup init-recovery</Code>.
        </Text>
      )}
      <Section title="Next runs">
        {o.nextRuns.length === 0 ? (
          <Text>No scheduled job.</Text>
        ) : (
          <List>
            {o.nextRuns.map((r) => (
              <List.Item key={r.job}>
                {r.job}: <Time iso={r.at} />
              </List.Item>
            ))}
          </List>
        )}
      </Section>
      <Section title="Backups">
        <DataTable
          caption="Backups"
          rows={o.backups}
          rowKey={(b) => `${b.target}/${b.id}`}
          empty="No backup yet."
          minWidth="48rem"
          columns={[
            {
              key: 'backup',
              header: 'Backup',
              render: (b) => (
                <>
                  <Time iso={b.createdAt} /> <Code className="reason">{b.id}</Code>
                </>
              ),
            },
            { key: 'target', header: 'Target', render: (b) => b.target },
            { key: 'size', header: 'Size', numeric: true, render: (b) => size(b.bytes) },
            { key: 'duration', header: 'Duration', numeric: true, render: (b) => span(b.durationMs) },
            { key: 'audit', header: 'Audit head', numeric: true, render: (b) => b.auditHeadSeq },
            { key: 'verification', header: 'Verification', render: (b) => (b.verification === null ? 'not verified' : b.verification.outcome === 'success' ? 'verified' : `FAILED: ${b.verification.detail}`) },
          ]}
        />
      </Section>
      <Section title="Disaster-recovery drills">
        {o.drills.length === 0 ? (
          <Text>
            No drill yet: run <Code>vigil dr drill</Code>.
          </Text>
        ) : (
          <Stack gap="sm">
            <div className="rto-bars">
              <RtoBars drills={o.drills} targetMs={tightestRto} />
            </div>
            <DataTable
              caption="Disaster-recovery drills"
              rows={o.drills.map((d, i) => ({ ...d, key: `${d.at}-${i}` }))}
              rowKey={(d) => d.key}
              columns={[
                { key: 'when', header: 'When', render: (d) => <Time iso={d.at} /> },
                { key: 'backup', header: 'Backup', render: (d) => <Code className="reason">{d.backupId ?? '—'}</Code> },
                { key: 'result', header: 'Result', render: (d) => (d.outcome === 'success' ? 'passed' : 'FAILED') },
                { key: 'rto', header: 'RTO', numeric: true, render: (d) => span(d.rtoMs) },
                { key: 'rpo', header: 'RPO', numeric: true, render: (d) => span(d.rpoMs) },
              ]}
            />
          </Stack>
        )}
      </Section>
      <Section title="Recovery objectives">
        <DataTable
          caption="Recovery objectives"
          rows={Object.entries(o.objectives).map(([dataClass, t]) => ({ dataClass, ...t }))}
          rowKey={(t) => t.dataClass}
          minWidth="20rem"
          columns={[
            { key: 'class', header: 'Data class', render: (t) => t.dataClass },
            { key: 'rto', header: 'RTO', numeric: true, render: (t) => `${t.rtoMinutes} min` },
            { key: 'rpo', header: 'RPO', numeric: true, render: (t) => `${t.rpoMinutes} min` },
          ]}
        />
      </Section>
      {o.failures.length > 0 && (
        <Section title="Recent failures">
          <List>
            {o.failures.slice(0, 20).map((f, i) => (
              <List.Item key={`${f.at}-${i}`}>
                <Time iso={f.at} /> {f.kind} on {f.target}: {f.detail}
              </List.Item>
            ))}
          </List>
        </Section>
      )}
    </Page>
  );
}
