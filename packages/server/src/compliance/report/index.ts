/**
 * compliance/report: the signed HIPAA / FDA compliance report and its offline verification.
 */
export { CONTROLS, type ControlOwner, type ControlSpec } from './controls.js';
export { buildReport, type ComplianceReport, type ControlStatus, type QuestionnaireAnswer, type ReportControl, type ReportInputs } from './report-model.js';
export { renderReportHtml } from './render-html.js';
export { signReport, verifySignedReport, type ReportFormat, type ReportSigner, type ReportVerifier, type VerifiedReport } from './signed-file.js';
export { ReportService, type ReportServiceDeps, type ReportVerdict } from './report-service.js';
