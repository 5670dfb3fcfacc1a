/** The pages for a request the server refused (403) and for something that does not exist (404). */
import { Anchor, Paper, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';
import { can } from '../capabilities';
import { Link } from '../router';
import { useSession } from '../session';

const REASONS: Record<string, string> = {
  PATIENTS_TRAINING_REQUIRED: 'Reading patient records needs a current HIPAA training record. Ask your administrator to record your training.',
  PATIENTS_CARE_RELATIONSHIP_REQUIRED: 'You are not on this patient’s care team.',
};

/** Training: an administrator (the first one has nobody to ask) records their own on their user page. */
function TrainingReason() {
  const { auth } = useSession();
  if (auth.status !== 'signed-in' || !can(auth.session.user.roles, 'users:manage')) return <>{REASONS['PATIENTS_TRAINING_REQUIRED']}</>;
  return (
    <>
      Reading patient records needs a current HIPAA training record. As an administrator you record it yourself:{' '}
      <Anchor component={Link} to={`/users/${encodeURIComponent(auth.session.user.id)}`}>
        open your user page
      </Anchor>{' '}
      and add your training record.
    </>
  );
}

function ProblemCard({ id, title, children }: { readonly id: string; readonly title: string; readonly children: ReactNode }) {
  return (
    <Paper component="section" withBorder radius="md" p="xl" className="card problem" aria-labelledby={id}>
      <Title order={1} size="h2" id={id} mb="sm">
        {title}
      </Title>
      {children}
      <Text mt="md">
        <Anchor component={Link} to="/">
          Go to the start page
        </Anchor>
      </Text>
    </Paper>
  );
}

export function DeniedPage({ error }: { readonly error?: ApiError }) {
  const reason: ReactNode = error === undefined ? undefined : error.code === 'PATIENTS_TRAINING_REQUIRED' ? <TrainingReason /> : (REASONS[error.code] ?? error.message);
  return (
    <ProblemCard id="denied-title" title="Access denied">
      <Text>You don’t have permission to see this page with your current role.</Text>
      {reason !== undefined && (
        <Text mt="sm" data-testid="denied-reason">
          {reason}
        </Text>
      )}
      {error !== undefined && (
        <Text size="sm" c="dimmed" mt="sm">
          {error.code}
          {error.requestId !== null && <> · request {error.requestId}</>}
        </Text>
      )}
    </ProblemCard>
  );
}

export function NotFoundPage() {
  return (
    <ProblemCard id="not-found-title" title="Not found">
      <Text>There is nothing here, or it belongs to another organization.</Text>
    </ProblemCard>
  );
}
