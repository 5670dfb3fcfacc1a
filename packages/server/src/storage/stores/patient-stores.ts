/**
 * The patients module's stores over kysely (both dialects): patients, care teams, training
 * records and break-glass grants. Every query of tenant data filters by org_id.
 */
import { AppError } from '../../kernel/index.js';
import type {
  BreakGlassGrantRow,
  BreakGlassStore,
  CareTeamMember,
  CareTeamStore,
  PatientStore,
  PhiField,
  ReviewOutcome,
  SealedPatientRow,
  TrainingRecord,
  TrainingStore,
} from '../../patients/index.js';
import type { Executor } from '../sql-database.js';
import type { BreakGlassGrantsTable, PatientsTable, TrainingRecordsTable } from '../tables.js';

/** Bound of an IN (...) list: well under SQLite's 32766 parameters. */
const IN_CHUNK = 500;

export function patientStore(db: Executor): PatientStore {
  return {
    async insert(row) {
      try {
        await db.insertInto('patients').values(toPatientRow(row)).execute();
      } catch (cause) {
        if (isUniqueViolation(cause)) throw new AppError('PATIENTS_MRN_TAKEN', { cause });
        throw cause;
      }
    },
    async get(orgId, id) {
      const row = await db.selectFrom('patients').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromPatientRow(row) : undefined;
    },
    async findByMrnIndex(orgId, mrnIndex) {
      const row = await db.selectFrom('patients').selectAll().where('org_id', '=', orgId).where('mrn_index', '=', mrnIndex).executeTakeFirst();
      return row ? fromPatientRow(row) : undefined;
    },
    async list(orgId, options = {}) {
      const limit = options.limit ?? 1000;
      if (options.ids !== undefined) {
        if (options.ids.length === 0) return [];
        const out: SealedPatientRow[] = [];
        for (let i = 0; i < options.ids.length; i += IN_CHUNK) {
          const rows = await db
            .selectFrom('patients')
            .selectAll()
            .where('org_id', '=', orgId)
            .where('id', 'in', options.ids.slice(i, i + IN_CHUNK))
            .execute();
          out.push(...rows.map(fromPatientRow));
        }
        return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).slice(0, limit);
      }
      const rows = await db.selectFrom('patients').selectAll().where('org_id', '=', orgId).orderBy('created_at').orderBy('id').limit(limit).execute();
      return rows.map(fromPatientRow);
    },
    async updateSealed(orgId, id, sealed, updatedAt) {
      const result = await db
        .updateTable('patients')
        .set({ ...sealedColumns(sealed), updated_at: updatedAt })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async scanAll(afterId, limit) {
      let query = db.selectFrom('patients').selectAll().orderBy('id').limit(limit);
      if (afterId !== null) query = query.where('id', '>', afterId);
      return (await query.execute()).map(fromPatientRow);
    },
  };
}

export function careTeamStore(db: Executor): CareTeamStore {
  return {
    async members(orgId, patientId) {
      const rows = await db
        .selectFrom('care_team_members')
        .select(['user_id', 'role'])
        .where('org_id', '=', orgId)
        .where('patient_id', '=', patientId)
        .orderBy('role', 'desc') // 'primary' before 'member'
        .orderBy('user_id')
        .execute();
      return rows.map((r): CareTeamMember => ({ userId: r.user_id, role: r.role === 'primary' ? 'primary' : 'member' }));
    },
    async replace(orgId, patientId, members, now, by) {
      await db.deleteFrom('care_team_members').where('org_id', '=', orgId).where('patient_id', '=', patientId).execute();
      if (members.length === 0) return;
      await db
        .insertInto('care_team_members')
        .values(members.map((m) => ({ org_id: orgId, patient_id: patientId, user_id: m.userId, role: m.role, added_at: now, added_by: by })))
        .execute();
    },
    async patientsOf(orgId, userId) {
      const rows = await db.selectFrom('care_team_members').select('patient_id').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
      return rows.map((r) => r.patient_id);
    },
  };
}

export function trainingStore(db: Executor): TrainingStore {
  return {
    async insert(record) {
      await db
        .insertInto('training_records')
        .values({
          id: record.id,
          org_id: record.orgId,
          user_id: record.userId,
          course: record.course,
          completed_at: record.completedAt,
          expires_at: record.expiresAt,
          recorded_at: record.recordedAt,
          recorded_by: record.recordedBy,
        })
        .execute();
    },
    async listForUser(orgId, userId) {
      const rows = await db
        .selectFrom('training_records')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .orderBy('completed_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(fromTrainingRow);
    },
  };
}

export function breakGlassStore(db: Executor): BreakGlassStore {
  return {
    async insert(row) {
      await db.insertInto('break_glass_grants').values(toGrantRow(row)).execute();
    },
    async get(orgId, id) {
      const row = await db.selectFrom('break_glass_grants').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromGrantRow(row) : undefined;
    },
    async activeFor(orgId, patientId, userId, now) {
      const rows = await db
        .selectFrom('break_glass_grants')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('patient_id', '=', patientId)
        .where('granted_at', '<=', now)
        .where('expires_at', '>', now)
        .orderBy('expires_at', 'desc')
        .execute();
      return rows.map(fromGrantRow);
    },
    async activePatientsOf(orgId, userId, now) {
      const rows = await db
        .selectFrom('break_glass_grants')
        .select('patient_id')
        .distinct()
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('granted_at', '<=', now)
        .where('expires_at', '>', now)
        .execute();
      return rows.map((r) => r.patient_id);
    },
    async list(orgId, status, limit) {
      const rows = await db
        .selectFrom('break_glass_grants')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('reviewed_at', status === 'pending' ? 'is' : 'is not', null)
        .orderBy('granted_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(fromGrantRow);
    },
    async review(orgId, id, review) {
      const result = await db
        .updateTable('break_glass_grants')
        .set({ review_outcome: review.outcome, review_note_sealed: review.noteSealed, reviewed_by: review.reviewedBy, reviewed_at: review.reviewedAt })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('reviewed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async scanAll(afterId, limit) {
      let query = db.selectFrom('break_glass_grants').selectAll().orderBy('id').limit(limit);
      if (afterId !== null) query = query.where('id', '>', afterId);
      return (await query.execute()).map(fromGrantRow);
    },
    async updateSealed(orgId, id, reasonSealed, reviewNoteSealed) {
      const result = await db
        .updateTable('break_glass_grants')
        .set({ reason_sealed: reasonSealed, review_note_sealed: reviewNoteSealed })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

function sealedColumns(sealed: Readonly<Record<PhiField, string>>) {
  return {
    mrn_sealed: sealed.mrn,
    given_name_sealed: sealed.givenName,
    family_name_sealed: sealed.familyName,
    birth_date_sealed: sealed.birthDate,
    sex_sealed: sealed.sex,
  };
}

function toPatientRow(row: SealedPatientRow): PatientsTable {
  return {
    id: row.id,
    org_id: row.orgId,
    mrn_index: row.mrnIndex,
    ...sealedColumns(row.sealed),
    created_at: row.createdAt,
    created_by: row.createdBy,
    updated_at: row.updatedAt,
  };
}

function fromPatientRow(r: PatientsTable): SealedPatientRow {
  return {
    id: r.id,
    orgId: r.org_id,
    mrnIndex: r.mrn_index,
    sealed: { mrn: r.mrn_sealed, givenName: r.given_name_sealed, familyName: r.family_name_sealed, birthDate: r.birth_date_sealed, sex: r.sex_sealed },
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

function fromTrainingRow(r: TrainingRecordsTable): TrainingRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    userId: r.user_id,
    course: r.course as TrainingRecord['course'],
    completedAt: r.completed_at,
    expiresAt: r.expires_at,
    recordedAt: r.recorded_at,
    recordedBy: r.recorded_by,
  };
}

function toGrantRow(row: BreakGlassGrantRow): BreakGlassGrantsTable {
  return {
    id: row.id,
    org_id: row.orgId,
    patient_id: row.patientId,
    user_id: row.userId,
    reason_sealed: row.reasonSealed,
    reason_hash: row.reasonHash,
    granted_at: row.grantedAt,
    expires_at: row.expiresAt,
    review_outcome: row.reviewOutcome,
    review_note_sealed: row.reviewNoteSealed,
    reviewed_by: row.reviewedBy,
    reviewed_at: row.reviewedAt,
  };
}

function fromGrantRow(r: BreakGlassGrantsTable): BreakGlassGrantRow {
  return {
    id: r.id,
    orgId: r.org_id,
    patientId: r.patient_id,
    userId: r.user_id,
    reasonSealed: r.reason_sealed,
    reasonHash: r.reason_hash,
    grantedAt: r.granted_at,
    expiresAt: r.expires_at,
    reviewOutcome: r.review_outcome === null ? null : (r.review_outcome as ReviewOutcome),
    reviewNoteSealed: r.review_note_sealed,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at,
  };
}

/** SQLite: SQLITE_CONSTRAINT_UNIQUE; PostgreSQL: SQLSTATE 23505. */
function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
