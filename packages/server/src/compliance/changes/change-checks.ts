/**
 * The change-control audit check, contributed to the catalogue by the changes module (the same
 * plug-in path firmware and backups will use): emergency changes not reviewed within 72 hours.
 */
import type { AuditCheck, Violation } from '../checks/index.js';
import { EMERGENCY_REVIEW_HOURS, overdueReview, type ChangeRequest } from './model.js';

export function emergencyReviewCheck(unreviewed: () => Promise<readonly ChangeRequest[]>): AuditCheck {
  return {
    id: 'CHG-EMERGENCY-UNREVIEWED',
    title: `Emergency changes not reviewed within ${EMERGENCY_REVIEW_HOURS} hours`,
    category: 'change-control',
    controls: [{ hipaa: '§164.308(a)(1)(ii)(B)', fda: 'B' }],
    severity: 'high',
    cadence: 'daily',
    remediation: 'A second person reviews the emergency change (POST /api/v1/changes/:id/review, with MFA again) and reverts it if it was not justified.',
    async run({ now }) {
      const violations = (await unreviewed())
        .filter((c) => overdueReview(c, now))
        .map((c): Violation => ({ resourceType: 'change-request', resourceId: c.id, orgId: c.orgId, detail: `${c.kind} on ${c.target} by ${c.requestedBy}, review was due ${c.reviewDueAt ?? ''}` }));
      return violations.length === 0 ? { status: 'pass', detail: 'every emergency change was reviewed in time' } : { status: 'fail', violations };
    },
  };
}
