/**
 * WebAuthn passkeys (W3C Web Authentication Level 2) through @simplewebauthn/server.
 *
 * MUST: every ceremony uses a fresh server challenge, kept on the session and cleared once used.
 * MUST: the RP ID and the expected origins come from configuration (the server's hostnames and
 *       port), never from the request.
 * MUST: the signature counter must grow when the authenticator reports one (cloned-key signal).
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { WebauthnCredentialRow } from './store.js';

export interface RelyingParty {
  readonly rpId: string;
  readonly rpName: string;
  /** Origins the browser may report, e.g. https://localhost:8443. */
  readonly origins: readonly string[];
}

const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
function transports(list: readonly string[]): AuthenticatorTransport[] {
  return list.filter((t) => TRANSPORTS.has(t)) as AuthenticatorTransport[];
}

export async function registrationOptions(rp: RelyingParty, user: { id: string; username: string; displayName: string }, existing: readonly WebauthnCredentialRow[]) {
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: user.username,
    userDisplayName: user.displayName,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: transports(c.transports) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
}

export async function verifyRegistration(rp: RelyingParty, response: unknown, expectedChallenge: string) {
  const result = await verifyRegistrationResponse({
    response: response as RegistrationResponseJSON,
    expectedChallenge,
    expectedOrigin: [...rp.origins],
    expectedRPID: rp.rpId,
    requireUserVerification: true,
  });
  if (!result.verified) return null;
  const { credential } = result.registrationInfo;
  return {
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ?? [],
  };
}

export async function authenticationOptions(rp: RelyingParty, credentials: readonly WebauthnCredentialRow[]) {
  return generateAuthenticationOptions({
    rpID: rp.rpId,
    allowCredentials: credentials.map((c) => ({ id: c.credentialId, transports: transports(c.transports) })),
    userVerification: 'required',
  });
}

/** The matching credential and its new counter, or null. */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: unknown,
  expectedChallenge: string,
  credentials: readonly WebauthnCredentialRow[],
): Promise<{ credential: WebauthnCredentialRow; newCounter: number } | null> {
  const id = typeof response === 'object' && response !== null ? (response as { id?: unknown }).id : undefined;
  const credential = credentials.find((c) => c.credentialId === id);
  if (!credential) return null;
  const result = await verifyAuthenticationResponse({
    response: response as AuthenticationResponseJSON,
    expectedChallenge,
    expectedOrigin: [...rp.origins],
    expectedRPID: rp.rpId,
    credential: {
      id: credential.credentialId,
      publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
      counter: credential.counter,
      transports: transports(credential.transports),
    },
    requireUserVerification: true,
  });
  return result.verified ? { credential, newCounter: result.authenticationInfo.newCounter } : null;
}
