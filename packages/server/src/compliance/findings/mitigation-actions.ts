/**
 * Mitigation actions taken from a finding: each goes through the module that owns the resource
 * (devices, identity), which authorizes and audits it, under the request id `mitigation-<finding>`
 * so the audit log links the effect to the finding; then the finding is marked mitigated.
 *
 * MUST: an action applies only to findings about its resource type (a device action on a device
 *       finding); the caller needs compliance:manage and the owning module's own permission.
 * MUST: the finding is read through the findings service, so another organization's finding is 404.
 */
import { AppError, type RequestContext } from '../../kernel/index.js';
import type { AuditRunService } from './audit-run-service.js';
import type { Finding } from './model.js';

export const MITIGATION_ACTIONS = ['quarantine-device', 'revoke-device', 'disable-user', 'require-mfa'] as const;
export type MitigationAction = (typeof MITIGATION_ACTIONS)[number];

const RESOURCE_OF: Readonly<Record<MitigationAction, string>> = { 'quarantine-device': 'device', 'revoke-device': 'device', 'disable-user': 'user', 'require-mfa': 'user' };

/** The owning modules' operations (wired to devices and identity). */
export interface MitigationPorts {
  quarantineDevice(ctx: RequestContext, orgId: string, deviceId: string): Promise<void>;
  revokeDevice(ctx: RequestContext, orgId: string, deviceId: string): Promise<void>;
  /** Disables the account; its sessions end at once. */
  disableUser(ctx: RequestContext, orgId: string, userId: string): Promise<void>;
  /** Ends the user's sessions and second factors: a privileged user must enrol MFA at next login. */
  requireMfa(ctx: RequestContext, orgId: string, userId: string): Promise<void>;
}

export function mitigationRequestId(findingId: string): string {
  return `mitigation-${findingId}`;
}

export class MitigationService {
  constructor(
    private readonly audits: AuditRunService,
    private readonly ports: MitigationPorts,
  ) {}

  /** The actions that apply to a finding. */
  actionsFor(f: Pick<Finding, 'resourceType' | 'orgId' | 'status'>): MitigationAction[] {
    if (f.status === 'resolved' || f.orgId === null) return [];
    return MITIGATION_ACTIONS.filter((a) => RESOURCE_OF[a] === f.resourceType);
  }

  async act(ctx: RequestContext, findingId: string, action: MitigationAction, note = ''): Promise<Finding> {
    const finding = await this.audits.getFinding(ctx, findingId);
    if (!this.actionsFor(finding).includes(action)) throw new AppError('COMPLIANCE_FINDING_STATE', { detail: `compliance: ${action} does not apply to a ${finding.status} ${finding.resourceType} finding` });
    const orgId = finding.orgId ?? '';
    const effect: RequestContext = { ...ctx, requestId: mitigationRequestId(finding.id) };
    switch (action) {
      case 'quarantine-device':
        await this.ports.quarantineDevice(effect, orgId, finding.resourceId);
        break;
      case 'revoke-device':
        await this.ports.revokeDevice(effect, orgId, finding.resourceId);
        break;
      case 'disable-user':
        await this.ports.disableUser(effect, orgId, finding.resourceId);
        break;
      case 'require-mfa':
        await this.ports.requireMfa(effect, orgId, finding.resourceId);
        break;
    }
    return this.audits.markMitigated(effect, findingId, { action, note: note.trim() || `${action} from finding ${finding.checkId}` });
  }
}
