/**
 * Clinical alert rules of the organization (org admins): a metric, a comparison, a value and a
 * duration ("SpO2 < 90 for 60 s"), a severity; a rule for one patient overrides the organization's
 * rule for the same metric and comparison. Rules are evaluated by the server on ingest.
 */
import { Anchor, Button, Checkbox, Group, Modal, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { AlertRule, AlertRuleInput, ClinicalSeverity, Comparison } from '../api/types';
import { ALL_METRICS, COMPARISONS, COMPARISON_SYMBOL, metricName } from '../clinical';
import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/feedback';
import { FormActions } from '../components/form-actions';
import { Page } from '../components/page';
import { Picker, usePatientSearch } from '../components/picker';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';
import { SeverityBadge } from './alerts-page';

const SEVERITIES: readonly ClinicalSeverity[] = ['low', 'medium', 'high'];

export function AlertRulesPage() {
  const { api } = useSession();
  const [rules, reload] = useResource(() => api.alertRules().then((r) => r.rules), 'alert-rules');
  // Patient names for per-patient rules (the directory; without training, short ids are shown).
  const [directory] = useResource(() => api.patients('all').then((r) => new Map(r.patients.map((p) => [p.id, `${p.displayName} (MRN ${p.mrn})`]))), 'alert-rules-patients');
  const patientName = (id: string) => (directory.status === 'ok' ? directory.data.get(id) : undefined) ?? `Patient ${id.slice(0, 8)}…`;
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const action = useAction();

  const toggle = async (rule: AlertRule) => {
    const done = await action.run(() => api.updateAlertRule(rule.id, { ...inputOf(rule), enabled: !rule.enabled }));
    if (done !== undefined) reload();
  };

  if (rules.status === 'error') return <ResourceProblem error={rules.error} />;
  const conditionOf = (rule: AlertRule) => `${metricName(rule.metric)} ${COMPARISON_SYMBOL[rule.comparison]} ${rule.value}`;
  return (
    <Page title="Alert rules" description="A rule for one patient overrides the organization’s rule for the same vital sign and comparison." actions={<Button onClick={() => setEditing('new')}>Add a rule</Button>}>
      <ErrorNotice error={action.error} />
      <DataTable
        caption="Alert rules"
        rows={rules.status === 'ok' ? rules.data : undefined}
        rowKey={(rule) => rule.id}
        empty="No alert rules yet: no clinical alert will open."
        minWidth="48rem"
        columns={[
          {
            key: 'scope',
            header: 'Applies to',
            render: (rule) =>
              rule.patientId === null ? (
                'Every patient'
              ) : (
                <Anchor component={Link} to={`/patients/${encodeURIComponent(rule.patientId)}`}>
                  {patientName(rule.patientId)}
                </Anchor>
              ),
          },
          { key: 'condition', header: 'Condition', render: (rule) => conditionOf(rule) },
          { key: 'duration', header: 'For at least', render: (rule) => `${rule.durationSeconds} s` },
          { key: 'severity', header: 'Severity', render: (rule) => <SeverityBadge severity={rule.severity} /> },
          { key: 'enabled', header: 'Enabled', render: (rule) => (rule.enabled ? 'yes' : <Text span c="dimmed" inherit>no</Text>) },
          {
            key: 'actions',
            header: <span className="visually-hidden">Actions</span>,
            label: 'Actions',
            render: (rule) => (
              <Group gap="xs" wrap="nowrap">
                <Button size="xs" variant="default" onClick={() => setEditing(rule)} aria-label={`Edit the rule ${conditionOf(rule)}`}>
                  Edit
                </Button>
                <Button size="xs" variant="default" disabled={action.busy} onClick={() => void toggle(rule)} aria-label={`${rule.enabled ? 'Disable' : 'Enable'} the rule ${conditionOf(rule)}`}>
                  {rule.enabled ? 'Disable' : 'Enable'}
                </Button>
              </Group>
            ),
          },
        ]}
      />
      {editing !== null && (
        <RuleDialog
          rule={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
    </Page>
  );
}

function inputOf(rule: AlertRule): AlertRuleInput {
  return {
    ...(rule.patientId !== null ? { patientId: rule.patientId } : {}),
    metric: rule.metric,
    comparison: rule.comparison,
    value: rule.value,
    durationSeconds: rule.durationSeconds,
    severity: rule.severity,
    enabled: rule.enabled,
  };
}

function RuleDialog({ rule, onClose, onSaved }: { readonly rule: AlertRule | null; readonly onClose: () => void; readonly onSaved: () => void }) {
  const { api } = useSession();
  const search = usePatientSearch(api.patientLookup);
  const [fields, setFields] = useState({
    patientId: rule?.patientId ?? '',
    metric: rule?.metric ?? ALL_METRICS[0] ?? '8867-4',
    comparison: rule?.comparison ?? ('gt' as Comparison),
    value: rule === null ? '' : String(rule.value),
    durationSeconds: rule === null ? '60' : String(rule.durationSeconds),
    severity: rule?.severity ?? ('medium' as ClinicalSeverity),
    enabled: rule?.enabled ?? true,
  });
  const action = useAction();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input: AlertRuleInput = {
      ...(fields.patientId.trim() !== '' ? { patientId: fields.patientId.trim() } : {}),
      metric: fields.metric,
      comparison: fields.comparison,
      value: Number(fields.value),
      durationSeconds: Number.parseInt(fields.durationSeconds, 10),
      severity: fields.severity,
      enabled: fields.enabled,
    };
    const saved = await action.run(() => (rule === null ? api.createAlertRule(input) : api.updateAlertRule(rule.id, input)));
    if (saved !== undefined) onSaved();
  };
  return (
    <Modal opened onClose={onClose} title={rule === null ? 'Add an alert rule' : 'Edit the alert rule'} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <NativeSelect label="Vital sign" name="metric" value={fields.metric} data={ALL_METRICS.map((code) => ({ value: code, label: `${metricName(code)} (${code})` }))} onChange={(e) => setFields({ ...fields, metric: e.currentTarget.value })} />
          <NativeSelect
            label="Comparison"
            name="comparison"
            value={fields.comparison}
            data={COMPARISONS.map((c) => ({ value: c, label: `${COMPARISON_SYMBOL[c]} (${c})` }))}
            onChange={(e) => setFields({ ...fields, comparison: e.currentTarget.value as Comparison })}
          />
          <TextInput label="Value" name="value" type="number" step="any" required withAsterisk={false} value={fields.value} onChange={(e) => setFields({ ...fields, value: e.currentTarget.value })} />
          <TextInput
            label="For at least (seconds)"
            name="durationSeconds"
            type="number"
            min={0}
            max={86400}
            required
            withAsterisk={false}
            value={fields.durationSeconds}
            onChange={(e) => setFields({ ...fields, durationSeconds: e.currentTarget.value })}
          />
          <NativeSelect label="Severity" name="severity" value={fields.severity} data={SEVERITIES.map((s) => ({ value: s, label: s }))} onChange={(e) => setFields({ ...fields, severity: e.currentTarget.value as ClinicalSeverity })} />
          <Picker
            label="Only for the patient (name or MRN; empty: every patient)"
            name="patient"
            options={search.options}
            onSearch={search.onSearch}
            value={fields.patientId}
            onChange={(patientId) => setFields({ ...fields, patientId })}
          />
          <Checkbox label="Enabled" name="enabled" checked={fields.enabled} onChange={(e) => setFields({ ...fields, enabled: e.currentTarget.checked })} />
          <FormActions submitLabel="Save" onCancel={onClose} busy={action.busy} error={action.error} />
        </Stack>
      </form>
    </Modal>
  );
}
