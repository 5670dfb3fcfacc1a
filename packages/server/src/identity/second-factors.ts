/**
 * Second factors: TOTP with recovery codes, passkeys (WebAuthn), and step-up for sensitive actions.
 * Part of the identity module; `IdentityService` (identity-service.ts) is its one entry point.
 */
import { AppError, newId, type RequestContext } from '../kernel/index.js';
import { type IdentityCore, TOTP_CONTEXT, type SessionAuth } from './identity-core.js';
import { afterFailure, isLocked } from './lockout.js';
import { hashRecoveryCode, matchTotp, newRecoveryCode, newTotpSecret, otpauthUrl, qrSvg, RECOVERY_CODE_COUNT } from './totp.js';
import { authenticationOptions, registrationOptions, verifyAuthentication, verifyRegistration } from './webauthn.js';

export class SecondFactors {
  constructor(private readonly core: IdentityCore) {}

  async totpSetup(ctx: RequestContext, auth: SessionAuth): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }> {
    this.core.requireState(auth, 'mfa-enrollment-required', 'authenticated');
    if (auth.user.totpConfirmedAt !== null) throw new AppError('IDENTITY_MFA_ALREADY_ENROLLED');
    const secret = newTotpSecret();
    const sealed = this.core.sealer.seal(Buffer.from(secret, 'utf8'), TOTP_CONTEXT(auth.user.id));
    await this.core.uow.run(async (s) => {
      await s.identity.updateUser(auth.user.orgId, auth.user.id, { totpSecretSealed: sealed, totpConfirmedAt: null, totpLastStep: null });
      await s.audit.record(ctx, { action: 'identity.mfa.totp_setup', target: { type: 'user', id: auth.user.id }, outcome: 'success', orgId: auth.user.orgId });
    });
    const url = otpauthUrl(secret, auth.user.username, 'Vigil');
    return { secret, otpauthUrl: url, qrSvg: await qrSvg(url) };
  }

  async totpConfirm(ctx: RequestContext, auth: SessionAuth, code: string): Promise<{ recoveryCodes: string[]; auth: SessionAuth }> {
    this.core.requireState(auth, 'mfa-enrollment-required', 'authenticated');
    const user = await this.core.read.findUser(auth.user.orgId, auth.user.id);
    if (!user || user.totpSecretSealed === null) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    if (user.totpConfirmedAt !== null) throw new AppError('IDENTITY_MFA_ALREADY_ENROLLED');
    const step = matchTotp(this.core.openTotp(user), code, this.core.clock.now(), user.totpLastStep);
    if (step === null) {
      await this.core.auditFailure(ctx, 'identity.mfa.totp_confirm', user, 'wrong-code');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    const next = await this.core.uow.run(async (s) => {
      const now = this.core.now();
      await s.identity.updateUser(user.orgId, user.id, { totpConfirmedAt: now, totpLastStep: step });
      await s.identity.replaceRecoveryCodes(user.orgId, user.id, recoveryCodes.map(hashRecoveryCode), now);
      await s.audit.record(ctx, { action: 'identity.mfa.totp_enrol', target: { type: 'user', id: user.id }, outcome: 'success', orgId: user.orgId, details: { recoveryCodes: recoveryCodes.length } });
      return this.core.advance(s, auth, { mfa: true, user: { ...user, totpConfirmedAt: now, totpLastStep: step } });
    });
    return { recoveryCodes, auth: next };
  }

  async verifyTotp(ctx: RequestContext, auth: SessionAuth, code: string): Promise<SessionAuth> {
    this.core.requireState(auth, 'mfa-required');
    await this.refuseIfLocked(ctx, auth);
    const user = await this.core.read.findUser(auth.user.orgId, auth.user.id);
    if (!user || user.totpConfirmedAt === null || user.totpSecretSealed === null) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    const step = matchTotp(this.core.openTotp(user), code, this.core.clock.now(), user.totpLastStep);
    if (step === null) {
      await this.secondFactorFailed(ctx, auth, 'wrong-totp');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    return this.core.uow.run(async (s) => {
      await s.identity.updateUser(user.orgId, user.id, { totpLastStep: step });
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: user.id }, outcome: 'success', orgId: user.orgId, details: { method: 'totp' } });
      return this.core.advance(s, auth, { mfa: true, user: { ...user, totpLastStep: step } });
    });
  }

  async verifyRecoveryCode(ctx: RequestContext, auth: SessionAuth, code: string): Promise<SessionAuth> {
    this.core.requireState(auth, 'mfa-required');
    await this.refuseIfLocked(ctx, auth);
    const { user } = auth;
    const used = await this.core.uow.run(async (s) => {
      const ok = await s.identity.useRecoveryCode(user.orgId, user.id, hashRecoveryCode(code), this.core.now());
      if (!ok) return null;
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: user.id }, outcome: 'success', orgId: user.orgId, details: { method: 'recovery-code' } });
      return this.core.advance(s, auth, { mfa: true });
    });
    if (used === null) {
      await this.secondFactorFailed(ctx, auth, 'wrong-recovery-code');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    return used;
  }

  /**
   * Step-up: a signed-in person proves their second factor again (a TOTP code) for one sensitive
   * action, e.g. approving a change request. The code is single-use (totpLastStep), and a wrong one
   * counts toward the account lockout like any second-factor failure.
   */
  async verifyStepUp(ctx: RequestContext, code: string): Promise<void> {
    const p = ctx.principal;
    if (p.kind !== 'user' || !p.mfa) throw new AppError('IDENTITY_MFA_FAILED', { detail: 'identity: step-up needs a person signed in with a second factor' });
    const user = await this.core.read.findUser(p.orgId, p.id);
    if (!user || user.totpConfirmedAt === null || user.totpSecretSealed === null) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    const nowDate = this.core.clock.now();
    const step = isLocked(user, nowDate) ? null : matchTotp(this.core.openTotp(user), code, nowDate, user.totpLastStep);
    if (step === null) {
      await this.core.uow.run(async (s) => {
        const next = afterFailure(this.core.settings.lockout, user, nowDate);
        await s.identity.updateUser(user.orgId, user.id, next);
        await s.audit.record(ctx, { action: 'identity.mfa.step_up', target: { type: 'user', id: user.id }, outcome: 'failure', reason: 'wrong-totp', orgId: user.orgId });
      });
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    await this.core.uow.run(async (s) => {
      await s.identity.updateUser(user.orgId, user.id, { totpLastStep: step });
      await s.audit.record(ctx, { action: 'identity.mfa.step_up', target: { type: 'user', id: user.id }, outcome: 'success', orgId: user.orgId, details: { method: 'totp' } });
    });
  }

  async webauthnRegistrationOptions(auth: SessionAuth): Promise<unknown> {
    this.core.requireState(auth, 'mfa-enrollment-required', 'authenticated');
    const existing = await this.core.read.listWebauthnCredentials(auth.user.orgId, auth.user.id);
    const options = await registrationOptions(this.core.settings.relyingParty, auth.user, existing);
    await this.core.read.updateSession(auth.session.id, { challenge: options.challenge });
    return options;
  }

  async webauthnRegister(ctx: RequestContext, auth: SessionAuth, response: unknown): Promise<SessionAuth> {
    this.core.requireState(auth, 'mfa-enrollment-required', 'authenticated');
    const challenge = auth.session.challenge;
    if (challenge === null) throw new AppError('IDENTITY_MFA_FAILED');
    const verified = await verifyRegistration(this.core.settings.relyingParty, response, challenge).catch(() => null);
    if (verified === null) {
      await this.core.read.updateSession(auth.session.id, { challenge: null });
      await this.core.auditFailure(ctx, 'identity.mfa.webauthn_enrol', auth.user, 'verification-failed');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    return this.core.uow.run(async (s) => {
      await s.identity.insertWebauthnCredential({ id: newId(), userId: auth.user.id, orgId: auth.user.orgId, ...verified, createdAt: this.core.now() });
      await s.audit.record(ctx, { action: 'identity.mfa.webauthn_enrol', target: { type: 'user', id: auth.user.id }, outcome: 'success', orgId: auth.user.orgId });
      return this.core.advance(s, auth, { mfa: true });
    });
  }

  async webauthnAuthenticationOptions(auth: SessionAuth): Promise<unknown> {
    this.core.requireState(auth, 'mfa-required');
    const credentials = await this.core.read.listWebauthnCredentials(auth.user.orgId, auth.user.id);
    if (credentials.length === 0) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    const options = await authenticationOptions(this.core.settings.relyingParty, credentials);
    await this.core.read.updateSession(auth.session.id, { challenge: options.challenge });
    return options;
  }

  async verifyWebauthn(ctx: RequestContext, auth: SessionAuth, response: unknown): Promise<SessionAuth> {
    this.core.requireState(auth, 'mfa-required');
    await this.refuseIfLocked(ctx, auth);
    const challenge = auth.session.challenge;
    const credentials = await this.core.read.listWebauthnCredentials(auth.user.orgId, auth.user.id);
    const verified = challenge === null ? null : await verifyAuthentication(this.core.settings.relyingParty, response, challenge, credentials).catch(() => null);
    if (verified === null) {
      await this.core.read.updateSession(auth.session.id, { challenge: null });
      await this.secondFactorFailed(ctx, auth, 'webauthn-failed');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    return this.core.uow.run(async (s) => {
      await s.identity.updateWebauthnCounter(verified.credential.id, verified.newCounter);
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: auth.user.id }, outcome: 'success', orgId: auth.user.orgId, details: { method: 'webauthn' } });
      return this.core.advance(s, auth, { mfa: true });
    });
  }

  /**
   * A wrong second factor counts toward the account lockout like a wrong password (a 6-digit code
   * must not be guessable from many addresses); when it locks, the pending session ends.
   */
  private async secondFactorFailed(ctx: RequestContext, auth: SessionAuth, reason: string): Promise<void> {
    const nowDate = this.core.clock.now();
    await this.core.uow.run(async (s) => {
      const current = (await s.identity.findUser(auth.user.orgId, auth.user.id)) ?? auth.user;
      const next = afterFailure(this.core.settings.lockout, current, nowDate);
      await s.identity.updateUser(current.orgId, current.id, next);
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: current.id }, outcome: 'failure', reason, orgId: current.orgId });
      if (next.lockedUntil !== current.lockedUntil) {
        await s.identity.updateSession(auth.session.id, { revokedAt: nowDate.toISOString(), revokedReason: 'mfa-lockout' });
        await s.audit.record(ctx, { action: 'identity.user.lock', target: { type: 'user', id: current.id }, outcome: 'success', reason: 'too-many-mfa-failures', orgId: current.orgId, details: { lockedUntil: next.lockedUntil } });
      }
    });
  }

  /** While the account is locked, no second factor is checked (and the pending session ends). */
  private async refuseIfLocked(ctx: RequestContext, auth: SessionAuth): Promise<void> {
    const current = await this.core.read.findUser(auth.user.orgId, auth.user.id);
    const nowDate = this.core.clock.now();
    if (current && !isLocked(current, nowDate)) return;
    await this.core.uow.run(async (s) => {
      await s.identity.updateSession(auth.session.id, { revokedAt: nowDate.toISOString(), revokedReason: 'mfa-lockout' });
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: auth.user.id }, outcome: 'failure', reason: 'locked', orgId: auth.user.orgId });
    });
    throw new AppError('IDENTITY_MFA_FAILED');
  }
}
