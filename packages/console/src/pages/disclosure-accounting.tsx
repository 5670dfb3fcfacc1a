/**
 * The accounting of disclosures to outside parties (HIPAA §164.528): what the individual may
 * request (six years, repeated disclosures summarized, agency suspensions hidden), a print button
 * that opens the server's printable page, and a form to record a disclosure. The server decides
 * (permission, training, care relationship), refuses the exclusions of §164.528(a)(1) by name,
 * and audits every read and record. On Mantine: a Section, the entries in a ResourceTable, the
 * form in a Dialog (Mantine Modal) with Mantine inputs.
 */
import { Anchor, Button, Group, NativeSelect, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { DisclosureAccounting, DisclosureRecordInput } from '../api/client';
import { Dialog } from '../components/dialog';
import { Time } from '../components/feedback';
import { FormActions } from '../components/form-actions';
import { Section } from '../components/page';
import { useResource } from '../components/resource';
import { ResourceTable } from '../components/resource-table';
import { useAction } from '../components/use-action';
import { useSession } from '../session';

type Purpose = DisclosureRecordInput['purpose'];

/** The purposes the accounting includes (§164.512 and §164.502(a)(2)(ii)), as staff name them. */
export const PURPOSES: ReadonlyArray<readonly [Purpose, string]> = [
  ['required-by-law', 'Required by law'],
  ['public-health', 'Public health'],
  ['abuse-neglect-report', 'Report of abuse, neglect or domestic violence'],
  ['health-oversight', 'Health oversight'],
  ['judicial-proceeding', 'Judicial or administrative proceeding'],
  ['law-enforcement', 'Law enforcement'],
  ['decedents', 'Coroner, medical examiner, funeral director'],
  ['organ-donation', 'Organ, eye or tissue donation'],
  ['research', 'Research (waiver of authorization)'],
  ['serious-threat', 'To avert a serious threat to health or safety'],
  ['specialized-government', 'Specialized government functions'],
  ['workers-compensation', "Workers' compensation"],
  ['secretary-investigation', 'To the Secretary (HHS investigation)'],
  ['impermissible-disclosure', 'Not permitted (e.g. a breach)'],
];

type Entry = DisclosureAccounting['entries'][number];

export function AccountingPanel({ patientId, onRecorded }: { readonly patientId: string; readonly onRecorded?: () => void }) {
  const { api } = useSession();
  const [recording, setRecording] = useState(false);
  const [version, setVersion] = useState(0);
  const [accounting] = useResource(() => api.disclosureAccounting(patientId).then((a) => a.entries), `accounting:${patientId}:${version}`);

  return (
    <Section
      title="Accounting of disclosures (HIPAA §164.528)"
      actions={
        <Group gap="sm">
          <Button onClick={() => setRecording(true)}>Record a disclosure</Button>
          <Anchor href={api.disclosureAccountingPrintUrl(patientId)} target="_blank" rel="noopener noreferrer">
            Print the accounting
          </Anchor>
        </Group>
      }
    >
      <Text c="dimmed" size="sm" mb="sm">
        Disclosures to outside parties in the last six years, as the patient may request them. Treatment, payment, operations, disclosures to the patient, authorized
        ones and the other exclusions of §164.528(a)(1) are not listed, and cannot be recorded.
      </Text>
      <ResourceTable<Entry>
        testId="accounting"
        resource={accounting}
        caption="Accounting of disclosures"
        rowKey={(e) => `${e.disclosedAt}-${e.recipientName}-${e.purpose}`}
        empty="No accountable disclosure in the last six years."
        minWidth="40rem"
        columns={[
          {
            key: 'date',
            header: 'Date',
            render: (e) => (
              <>
                <Time iso={e.disclosedAt} dateOnly />
                {e.summary !== null && (
                  <div className="small">
                    {e.summary.count} disclosures, last <Time iso={e.summary.lastAt} dateOnly />
                  </div>
                )}
              </>
            ),
          },
          {
            key: 'recipient',
            header: 'Recipient',
            render: (e) => (
              <>
                {e.recipientName}
                {e.recipientAddress !== null && <div className="muted small">{e.recipientAddress}</div>}
              </>
            ),
          },
          { key: 'description', header: 'Information disclosed', render: (e) => e.description },
          {
            key: 'purpose',
            header: 'Purpose',
            render: (e) => (
              <span className="reason">
                {e.purposeStatement}
                <div className="muted small">{e.purposeText}</div>
              </span>
            ),
          },
        ]}
      />
      <RecordDisclosureDialog
        open={recording}
        patientId={patientId}
        onClose={() => setRecording(false)}
        onRecorded={() => {
          setRecording(false);
          setVersion((v) => v + 1);
          onRecorded?.();
        }}
      />
    </Section>
  );
}

const emptyFields = () => ({
  date: new Date().toISOString().slice(0, 10),
  recipientName: '',
  recipientAddress: '',
  description: '',
  purpose: 'public-health' as Purpose,
  purposeStatement: '',
});

function RecordDisclosureDialog({ open, patientId, onClose, onRecorded }: { readonly open: boolean; readonly patientId: string; readonly onClose: () => void; readonly onRecorded: () => void }) {
  const { api } = useSession();
  const action = useAction();
  const [fields, setFields] = useState(emptyFields);
  const close = () => {
    setFields(emptyFields());
    action.clear();
    onClose();
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const done = await action.run(() =>
      api.recordDisclosure(patientId, {
        disclosedAt: `${fields.date}T12:00:00.000Z`,
        recipientName: fields.recipientName,
        recipientAddress: fields.recipientAddress.trim() === '' ? null : fields.recipientAddress,
        description: fields.description,
        purpose: fields.purpose,
        purposeStatement: fields.purposeStatement,
      }),
    );
    if (done !== undefined) {
      setFields(emptyFields());
      onRecorded();
    }
  };
  return (
    <Dialog open={open} title="Record a disclosure to an outside party" onClose={close}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <TextInput type="date" label="Date disclosed" name="date" required withAsterisk={false} value={fields.date} onChange={(e) => setFields({ ...fields, date: e.currentTarget.value })} />
          <TextInput label="Recipient (person or organization)" name="recipientName" required withAsterisk={false} maxLength={200} value={fields.recipientName} onChange={(e) => setFields({ ...fields, recipientName: e.currentTarget.value })} />
          <TextInput label="Recipient address (if known)" name="recipientAddress" maxLength={500} value={fields.recipientAddress} onChange={(e) => setFields({ ...fields, recipientAddress: e.currentTarget.value })} />
          <Textarea label="Information disclosed (brief description)" name="description" required withAsterisk={false} maxLength={2000} value={fields.description} onChange={(e) => setFields({ ...fields, description: e.currentTarget.value })} />
          <NativeSelect
            label="Purpose"
            name="purpose"
            value={fields.purpose}
            onChange={(e) => setFields({ ...fields, purpose: e.currentTarget.value as Purpose })}
            data={PURPOSES.map(([value, label]) => ({ value, label }))}
          />
          <Textarea
            label="Statement of purpose (or the request it answered)"
            name="purposeStatement"
            required
            withAsterisk={false}
            maxLength={2000}
            value={fields.purposeStatement}
            onChange={(e) => setFields({ ...fields, purposeStatement: e.currentTarget.value })}
          />
          <FormActions submitLabel="Record" onCancel={close} busy={action.busy} error={action.error} />
        </Stack>
      </form>
    </Dialog>
  );
}
