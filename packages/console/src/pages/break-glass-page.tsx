/**
 * The security officer's review queue of break-glass grants: each emergency access is judged
 * justified or unjustified, with a note (the review is audited; unjustified access is a finding).
 */
import { Anchor, Button, Group, Modal, Radio, SegmentedControl, Stack, Text, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { BreakGlassQueueEntry, ReviewOutcome } from '../api/types';
import { DataTable } from '../components/data-table';
import { Time } from '../components/feedback';
import { FormActions } from '../components/form-actions';
import { Page } from '../components/page';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';

type Tab = 'pending' | 'reviewed';

export function BreakGlassPage() {
  const { api } = useSession();
  const [tab, setTab] = useState<Tab>('pending');
  const [grants, reload] = useResource(() => api.breakGlassQueue(tab).then((r) => r.grants), `break-glass:${tab}`);
  const [reviewing, setReviewing] = useState<BreakGlassQueueEntry | null>(null);
  // Names come with the queue: the user's display name, and the patient's name and MRN when the
  // reviewer has current training (the server audits each label). Ids are the fallback.
  const nameOf = (grant: BreakGlassQueueEntry) => grant.userName ?? `user ${grant.userId.slice(0, 8)}`;
  const patientOf = (grant: BreakGlassQueueEntry) => (grant.patientName !== undefined ? `${grant.patientName} (MRN ${grant.patientMrn ?? '—'})` : `patient ${grant.patientId.slice(0, 8)}`);

  if (grants.status === 'error') return <ResourceProblem error={grants.error} />;
  return (
    <Page title="Break-glass review" description="Every emergency access to a patient record is reviewed: justified or unjustified, with a note.">
      <SegmentedControl
        aria-label="Which grants"
        className="align-start"
        value={tab}
        onChange={(value) => setTab(value === 'reviewed' ? 'reviewed' : 'pending')}
        data={[
          { value: 'pending', label: 'Pending' },
          { value: 'reviewed', label: 'Reviewed' },
        ]}
      />
      <DataTable
        caption={tab === 'pending' ? 'Emergency access awaiting review' : 'Reviewed emergency access'}
        rows={grants.status === 'ok' ? grants.data : undefined}
        rowKey={(g) => g.id}
        empty={tab === 'pending' ? 'No emergency access waits for review.' : 'No reviewed grants yet.'}
        minWidth="52rem"
        columns={[
          {
            key: 'user',
            header: 'User',
            render: (g) => (
              <Anchor component={Link} to={`/users/${encodeURIComponent(g.userId)}`}>
                {nameOf(g)}
              </Anchor>
            ),
          },
          { key: 'patient', header: 'Patient', render: (g) => patientOf(g) },
          { key: 'reason', header: 'Reason', render: (g) => <span className="reason">{g.reason}</span> },
          { key: 'granted', header: 'Granted', render: (g) => <Time iso={g.grantedAt} /> },
          { key: 'expires', header: 'Expires', render: (g) => <Time iso={g.expiresAt} /> },
          tab === 'pending'
            ? {
                key: 'review',
                header: <span className="visually-hidden">Review</span>,
                label: 'Review',
                render: (g) => (
                  <Button size="xs" variant="default" onClick={() => setReviewing(g)} aria-label={`Review emergency access by ${nameOf(g)} to ${patientOf(g)}`}>
                    Review
                  </Button>
                ),
              }
            : {
                key: 'outcome',
                header: 'Outcome',
                render: (g) => (g.review === null ? '—' : `${g.review.outcome} by ${g.review.reviewedByName ?? g.review.reviewedBy.slice(0, 8)}`),
              },
        ]}
      />
      <ReviewDialog
        grant={reviewing}
        onClose={(done) => {
          setReviewing(null);
          if (done) reload();
        }}
      />
    </Page>
  );
}

function ReviewDialog({ grant, onClose }: { readonly grant: BreakGlassQueueEntry | null; readonly onClose: (done: boolean) => void }) {
  const { api } = useSession();
  const [outcome, setOutcome] = useState<ReviewOutcome | null>(null);
  const [note, setNote] = useState('');
  const action = useAction();
  const close = (done: boolean) => {
    if (action.busy) return;
    setOutcome(null);
    setNote('');
    action.clear();
    onClose(done);
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (grant === null || outcome === null) return;
    const done = await action.run(async () => {
      await api.reviewBreakGlass(grant.id, outcome, note.trim());
      return true;
    });
    if (done === true) {
      setOutcome(null);
      setNote('');
      onClose(true);
    }
  };
  return (
    <Modal opened={grant !== null} onClose={() => close(false)} title="Review emergency access" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      {grant !== null && (
        <form onSubmit={(event) => void submit(event)}>
          <Stack gap="sm">
            <Text>
              Reason given: <q>{grant.reason}</q>
            </Text>
            <Radio.Group label="Outcome" name="outcome" value={outcome} onChange={(value) => setOutcome(value === 'unjustified' ? 'unjustified' : 'justified')} required withAsterisk={false}>
              <Group gap="md" mt={4}>
                <Radio value="justified" label="Justified" />
                <Radio value="unjustified" label="Unjustified" />
              </Group>
            </Radio.Group>
            <Textarea label="Note" name="note" required withAsterisk={false} maxLength={1000} autosize minRows={3} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
            <FormActions submitLabel="Record review" onCancel={() => close(false)} busy={action.busy} error={action.error} submitDisabled={outcome === null} cancelDisabledWhileBusy />
          </Stack>
        </form>
      )}
    </Modal>
  );
}
