/**
 * Clinical alert rules of the organization (org admins): a metric, a comparison, a value and a
 * duration ("SpO2 < 90 for 60 s"), a severity; a rule for one patient overrides the organization's
 * rule for the same metric and comparison. Rules are evaluated by the server on ingest.
 */
import { useState, type FormEvent } from 'react';
import type { AlertRule, AlertRuleInput, ClinicalSeverity, Comparison } from '../api/types';
import { ALL_METRICS, COMPARISONS, COMPARISON_SYMBOL, metricName } from '../clinical';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading } from '../components/feedback';
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
  return (
    <section aria-labelledby="rules-title">
      <div className="page-head">
        <h1 id="rules-title">Alert rules</h1>
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Add a rule
        </button>
      </div>
      <ErrorNotice error={action.error} />
      {rules.status === 'loading' ? (
        <Loading what="alert rules" />
      ) : rules.data.length === 0 ? (
        <p>No alert rules yet: no clinical alert will open.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Applies to</th>
              <th scope="col">Condition</th>
              <th scope="col">For at least</th>
              <th scope="col">Severity</th>
              <th scope="col">Enabled</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.data.map((rule) => {
              const condition = `${metricName(rule.metric)} ${COMPARISON_SYMBOL[rule.comparison]} ${rule.value}`;
              return (
                <tr key={rule.id}>
                  <td>{rule.patientId === null ? 'Every patient' : <Link to={`/patients/${encodeURIComponent(rule.patientId)}`}>{patientName(rule.patientId)}</Link>}</td>
                  <td>{condition}</td>
                  <td>{rule.durationSeconds} s</td>
                  <td>
                    <SeverityBadge severity={rule.severity} />
                  </td>
                  <td>{rule.enabled ? 'yes' : <span className="muted">no</span>}</td>
                  <td className="row-actions">
                    <button type="button" onClick={() => setEditing(rule)} aria-label={`Edit the rule ${condition}`}>
                      Edit
                    </button>
                    <button type="button" disabled={action.busy} onClick={() => void toggle(rule)} aria-label={`${rule.enabled ? 'Disable' : 'Enable'} the rule ${condition}`}>
                      {rule.enabled ? 'Disable' : 'Enable'}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
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
    </section>
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
    <Dialog open title={rule === null ? 'Add an alert rule' : 'Edit the alert rule'} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <label>
          Vital sign
          <select name="metric" value={fields.metric} onChange={(e) => setFields({ ...fields, metric: e.target.value })}>
            {ALL_METRICS.map((code) => (
              <option key={code} value={code}>
                {metricName(code)} ({code})
              </option>
            ))}
          </select>
        </label>
        <label>
          Comparison
          <select name="comparison" value={fields.comparison} onChange={(e) => setFields({ ...fields, comparison: e.target.value as Comparison })}>
            {COMPARISONS.map((c) => (
              <option key={c} value={c}>
                {COMPARISON_SYMBOL[c]} ({c})
              </option>
            ))}
          </select>
        </label>
        <label>
          Value
          <input name="value" type="number" step="any" required value={fields.value} onChange={(e) => setFields({ ...fields, value: e.target.value })} />
        </label>
        <label>
          For at least (seconds)
          <input
            name="durationSeconds"
            type="number"
            min={0}
            max={86400}
            required
            value={fields.durationSeconds}
            onChange={(e) => setFields({ ...fields, durationSeconds: e.target.value })}
          />
        </label>
        <label>
          Severity
          <select name="severity" value={fields.severity} onChange={(e) => setFields({ ...fields, severity: e.target.value as ClinicalSeverity })}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <Picker
          label="Only for the patient (name or MRN; empty: every patient)"
          name="patient"
          options={search.options}
          onSearch={search.onSearch}
          value={fields.patientId}
          onChange={(patientId) => setFields({ ...fields, patientId })}
        />
        <label className="check">
          <input type="checkbox" name="enabled" checked={fields.enabled} onChange={(e) => setFields({ ...fields, enabled: e.target.checked })} />
          Enabled
        </label>
        <ErrorNotice error={action.error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={action.busy}>
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
