/**
 * First-time setup (the first admin) and organizations.
 * Part of the identity module; `IdentityService` (identity-service.ts) is its one entry point.
 */
import { AppError, newId, newToken, type RequestContext } from '../kernel/index.js';
import type { IdentityCore, IdentityScope, UserView } from './identity-core.js';
import { usernameKey } from './password-policy.js';
import { SETUP_COMPLETED_KEY } from './setup-credential.js';
import type { OrganizationRow } from './store.js';
import type { UserAdmin } from './user-admin.js';

export class OrganizationAdmin {
  constructor(private readonly core: IdentityCore, private readonly users: UserAdmin) {}

  /**
   * Consumes the setup credential and creates the first organization and its first admin, who is
   * platform-admin (the installation) and org-admin (users, training and care teams of this first
   * organization: someone must be able to run it from day one).
   * Without a password (the CLI path), the admin gets a one-time password that must change.
   */
  async completeSetup(
    ctx: RequestContext,
    input: { setupCredential: string; organization: string; username: string; displayName: string; password?: string },
  ): Promise<{ organization: OrganizationRow; user: UserView; oneTimePassword: string | null }> {
    this.core.assertUsername(input.username);
    if (input.password !== undefined) this.core.assertPassword(input.password, input.username, input.organization, false);
    const oneTimePassword = input.password === undefined ? newToken(18) : null;
    const passwordHash = await this.core.hasher.hash(input.password ?? oneTimePassword ?? '');
    return this.core.uow.run(async (s) => {
      if ((await s.meta.get(SETUP_COMPLETED_KEY)) !== undefined) {
        // Spend the credential check anyway: the answer does not tell whether it was valid.
        throw new AppError('IDENTITY_SETUP_CREDENTIAL_INVALID', { detail: 'setup is already complete' });
      }
      await this.core.setup.consume(ctx, input.setupCredential, s);
      const now = this.core.now();
      const organization = await this.insertOrganization(s, ctx, input.organization, now);
      const user = await this.users.insertUser(s, ctx, {
        orgId: organization.id,
        username: input.username,
        displayName: input.displayName,
        roles: ['platform-admin', 'org-admin'],
        passwordHash,
        mustChangePassword: oneTimePassword !== null,
        now,
      });
      await s.meta.set(SETUP_COMPLETED_KEY, now, now);
      return { organization, user: this.core.userView(user, false), oneTimePassword };
    });
  }

  /** Whether first-admin setup is still to be done (public: the sign-in page offers it until then). */
  async setupPending(): Promise<boolean> {
    return this.core.uow.run(async (s) => (await s.meta.get(SETUP_COMPLETED_KEY)) === undefined);
  }

  async createOrganization(ctx: RequestContext, name: string): Promise<OrganizationRow> {
    this.core.authorize(ctx, 'organizations:manage');
    return this.core.uow.run((s) => this.insertOrganization(s, ctx, name, this.core.now()));
  }

  async listOrganizations(ctx: RequestContext): Promise<OrganizationRow[]> {
    this.core.authorize(ctx, 'organizations:read');
    return this.core.read.listOrganizations();
  }

  /** For host operators (CLI): an organization named by its name or its id, or IDENTITY_ORGANIZATION_NOT_FOUND. */
  async resolveOrganization(nameOrId: string): Promise<OrganizationRow> {
    const org = (await this.core.findOrganizationByName(nameOrId)) ?? (await this.core.read.findOrganization(nameOrId.trim()));
    if (!org) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND', { publicMessage: `There is no organization named ${JSON.stringify(nameOrId)}.` });
    return org;
  }

  private async insertOrganization(s: IdentityScope, ctx: RequestContext, name: string, now: string): Promise<OrganizationRow> {
    const trimmed = name.trim();
    const nameKey = usernameKey(trimmed);
    if (trimmed.length === 0) throw new AppError('VALIDATION_FAILED', { publicMessage: 'The organization name is empty.' });
    if (await s.identity.findOrganizationByNameKey(nameKey)) throw new AppError('IDENTITY_ORGANIZATION_EXISTS');
    const row: OrganizationRow = { id: newId(), name: trimmed, nameKey, createdAt: now };
    await s.identity.insertOrganization(row);
    await s.audit.record(ctx, { action: 'identity.organization.create', target: { type: 'organization', id: row.id }, outcome: 'success', orgId: row.id });
    return row;
  }
}
