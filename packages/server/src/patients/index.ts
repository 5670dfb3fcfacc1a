/**
 * patients: PHI records (sealed at rest), care teams, training attestations and break-glass.
 * The PHI rule lives in model.ts (decidePhiAccess); services apply and audit it.
 *
 * MUST: PHI is sealed per field with the platform Sealer and opened only after the PHI rule
 *       allowed it; the MRN is found through a keyed blind index, never in plain text.
 * MUST: every PHI read and write, allowed or denied, is audited in its own transaction.
 * MUST: another organization's patient, grant or user answers 404.
 */
export {
  PHI_FIELDS,
  SUMMARY_FIELDS,
  SEXES,
  CARE_TEAM_ROLES,
  TRAINING_COURSES,
  MAX_TRAINING_VALIDITY_DAYS,
  BREAK_GLASS_REASON_MIN,
  BREAK_GLASS_REASON_MAX,
  DEFAULT_BREAK_GLASS_MINUTES,
  decidePhiAccess,
  hasCurrentHipaaTraining,
  activeGrant,
  isHipaaCourse,
  isTrainingCourse,
  normalizeMrn,
  displayName,
  type PhiField,
  type Sex,
  type Demographics,
  type CareTeamRole,
  type CareTeamMember,
  type PhiBasis,
  type Patient,
  type TrainingCourse,
  type TrainingRecord,
  type ReviewOutcome,
  type BreakGlassGrant,
  type PhiAccessInput,
  type PhiDecision,
} from './model.js';
export { PhiSealing, MRN_INDEX_DOMAIN, BREAK_GLASS_REASON_DOMAIN } from './phi-sealing.js';
export { PatientLabels, MAX_LABELS, type PatientLabel, type CareTeamView } from './patient-labels.js';
export { PATIENT_SORT, PATIENT_SORT_KEYS, patientPosition, selectPatientPage, type PatientListSearch, type PatientSortKey } from './patient-list.js';
export { PatientService, MAX_PATIENT_LIST, MAX_CARE_TEAM, type PhiReadGrant, type PatientRecord, type PatientSummary, type PatientServiceDeps } from './patient-service.js';
export {
  BreakGlassService,
  BREAK_GLASS_EVENT,
  BREAK_GLASS_UNJUSTIFIED_EVENT,
  MAX_REVIEW_NOTE,
  type BreakGlassGrantView,
  type BreakGlassServiceDeps,
} from './break-glass-service.js';
export { TrainingService, type TrainingInput, type TrainingServiceDeps } from './training-service.js';
export { rewrapSealedPhi, type RewrapReport } from './rewrap-sealed.js';
export type {
  SealedPatientRow,
  PatientStore,
  CareTeamStore,
  TrainingStore,
  BreakGlassGrantRow,
  BreakGlassStore,
  StoredSecurityEvent,
  SecurityEventStore,
  UserDirectory,
  PatientScope,
} from './store.js';
