/**
 * identity: people and their credentials. This foundation holds the first-admin setup
 * credential; users, sessions, passwords and MFA arrive with the identity issue.
 * MUST: no default passwords; every credential change is audited in its transaction.
 */
export { SetupCredentialService, SETUP_COMPLETED_KEY, hashToken, type SetupScope, type IssuedSetupCredential } from './setup-credential.js';
export type { SetupCredentialStore, SetupCredentialRow, SystemMetaStore } from './store.js';
