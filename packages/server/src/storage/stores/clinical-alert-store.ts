/** AlertRuleStore and ClinicalAlertStore over kysely (SQLite and PostgreSQL). */
import type { AlertSortKey, AlertRule, AlertRuleStore, ClinicalAlert, ClinicalAlertStatus, ClinicalAlertStore, ClinicalSeverity, Comparison } from '../../alerts/index.js';
import type { Sealer } from '../../keys/index.js';
import { AppError } from '../../kernel/index.js';
import { sql, type RawBuilder } from 'kysely';
import { afterCursor, keysetOrder } from '../keyset.js';
import type { Executor } from '../sql-database.js';
import type { ClinicalAlertRulesTable, ClinicalAlertsTable } from '../tables.js';

/** The sort expressions (never NULL: see keyset.ts); severity by rank. */
const ALERT_SORT_COLUMNS: Readonly<Record<AlertSortKey, RawBuilder<unknown>>> = {
  openedAt: sql`opened_at`,
  severity: sql`(case severity when 'high' then 3 when 'medium' then 2 else 1 end)`,
  status: sql`status`,
  metric: sql`metric`,
};

export function alertRuleStore(db: Executor): AlertRuleStore {
  return {
    async insert(rule, at) {
      await db.insertInto('clinical_alert_rules').values({ ...toRuleRow(rule), created_at: at, updated_at: at }).execute();
    },
    async update(rule, at) {
      const { id, org_id, ...rest } = toRuleRow(rule);
      const result = await db.updateTable('clinical_alert_rules').set({ ...rest, updated_at: at }).where('org_id', '=', org_id).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async find(orgId, id) {
      const row = await db.selectFrom('clinical_alert_rules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromRuleRow(row) : undefined;
    },
    async list(orgId, options) {
      let q = db.selectFrom('clinical_alert_rules').selectAll().where('org_id', '=', orgId);
      if (options?.orgOnly) q = q.where('patient_id', 'is', null);
      else if (options?.patientIds !== undefined) {
        const ids = [...options.patientIds];
        q = q.where((eb) => (ids.length === 0 ? eb('patient_id', 'is', null) : eb.or([eb('patient_id', 'is', null), eb('patient_id', 'in', ids)])));
      }
      const rows = await q.orderBy('created_at').orderBy('id').execute();
      return rows.map(fromRuleRow);
    },
  };
}

/**
 * The context a clinical alert's measured value is sealed with (ADR 0008): organization, alert,
 * patient, rule and metric, so a sealed value moved to another alert does not open.
 */
export function alertValueContext(a: { orgId: string; id: string; patientId: string; ruleId: string; metric: string }): string {
  return `clinical_alerts.value:${a.orgId}:${a.id}:${a.patientId}:${a.ruleId}:${a.metric}`;
}

/** @param sealer seals the measured value at rest (ADR 0008); absent, it is stored in clear. */
export function clinicalAlertStore(db: Executor, sealer?: Sealer): ClinicalAlertStore {
  const fromAlertRow = (r: ClinicalAlertsTable): ClinicalAlert => fromAlertRowWith(r, sealer);
  return {
    async insertIfNone(alert) {
      const existing = await db
        .selectFrom('clinical_alerts')
        .select('id')
        .where('org_id', '=', alert.orgId)
        .where('rule_id', '=', alert.ruleId)
        .where('patient_id', '=', alert.patientId)
        .where('status', '<>', 'resolved')
        .executeTakeFirst();
      if (existing) return false;
      await db.insertInto('clinical_alerts').values(toAlertRow(alert, sealer)).execute();
      return true;
    },
    async find(orgId, id) {
      const row = await db.selectFrom('clinical_alerts').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromAlertRow(row) : undefined;
    },
    async list(orgId, options) {
      if (options.patientIds.length === 0) return [];
      let q = db.selectFrom('clinical_alerts').selectAll().where('org_id', '=', orgId).where('patient_id', 'in', [...options.patientIds]);
      if (options.status) q = q.where('status', '=', options.status);
      if (options.severities !== undefined && options.severities.length > 0) q = q.where('severity', 'in', [...options.severities]);
      const page = options.page;
      if (page === undefined) return (await q.orderBy('opened_at', 'desc').orderBy('id').limit(options.limit).execute()).map(fromAlertRow);
      const columns = { sort: ALERT_SORT_COLUMNS[page.sort], id: sql`id` };
      const after = afterCursor(page, columns);
      if (after !== null) q = q.where(after);
      return (await q.orderBy(keysetOrder(page, columns)).limit(page.limit + 1).execute()).map(fromAlertRow);
    },
    async openCounts(orgId) {
      const rows = await db
        .selectFrom('clinical_alerts')
        .select(['patient_id', 'severity', db.fn.countAll<number | string>().as('n')])
        .where('org_id', '=', orgId)
        .where('status', '=', 'open')
        .groupBy(['patient_id', 'severity'])
        .execute();
      return rows.map((r) => ({ patientId: r.patient_id, severity: r.severity as ClinicalSeverity, count: Number(r.n) }));
    },
    async transition(orgId, id, from, to) {
      const result = await db
        .updateTable('clinical_alerts')
        .set({ status: to.status, acknowledged_at: to.acknowledgedAt, acknowledged_by: to.acknowledgedBy, resolved_at: to.resolvedAt, resolved_by: to.resolvedBy })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

function toRuleRow(r: AlertRule): Omit<ClinicalAlertRulesTable, 'created_at' | 'updated_at'> {
  return {
    id: r.id,
    org_id: r.orgId,
    patient_id: r.patientId,
    metric: r.metric,
    comparison: r.comparison,
    value: r.value,
    duration_seconds: r.durationSeconds,
    severity: r.severity,
    enabled: r.enabled ? 1 : 0,
  };
}

function fromRuleRow(r: ClinicalAlertRulesTable): AlertRule {
  return {
    id: r.id,
    orgId: r.org_id,
    patientId: r.patient_id,
    metric: r.metric,
    comparison: r.comparison as Comparison,
    value: Number(r.value),
    durationSeconds: Number(r.duration_seconds),
    severity: r.severity as ClinicalSeverity,
    enabled: Number(r.enabled) === 1,
  };
}

function toAlertRow(a: ClinicalAlert, sealer: Sealer | undefined): ClinicalAlertsTable {
  const sealed = sealer ? sealer.seal(Buffer.from(String(a.value), 'utf8'), alertValueContext(a)) : null;
  return {
    id: a.id,
    org_id: a.orgId,
    patient_id: a.patientId,
    rule_id: a.ruleId,
    metric: a.metric,
    comparison: a.comparison,
    threshold: a.threshold,
    value: sealed === null ? a.value : null,
    value_sealed: sealed,
    severity: a.severity,
    status: a.status,
    opened_at: a.openedAt,
    acknowledged_at: a.acknowledgedAt,
    acknowledged_by: a.acknowledgedBy,
    resolved_at: a.resolvedAt,
    resolved_by: a.resolvedBy,
  };
}

function alertValue(r: ClinicalAlertsTable, sealer: Sealer | undefined): number {
  if (sealer === undefined) return Number(r.value);
  if (r.value_sealed === null) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `clinical alert ${r.id} has no sealed value` });
  const context = alertValueContext({ orgId: r.org_id, id: r.id, patientId: r.patient_id, ruleId: r.rule_id, metric: r.metric });
  return Number(Buffer.from(sealer.open(r.value_sealed, context)).toString('utf8'));
}

function fromAlertRowWith(r: ClinicalAlertsTable, sealer: Sealer | undefined): ClinicalAlert {
  return {
    id: r.id,
    orgId: r.org_id,
    patientId: r.patient_id,
    ruleId: r.rule_id,
    metric: r.metric,
    comparison: r.comparison as Comparison,
    threshold: Number(r.threshold),
    value: alertValue(r, sealer),
    severity: r.severity as ClinicalSeverity,
    status: r.status as ClinicalAlertStatus,
    openedAt: r.opened_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
  };
}
