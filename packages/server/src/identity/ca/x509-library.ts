/**
 * The one door to @peculiar/x509 (used to build certificates; node:crypto X509Certificate verifies).
 *
 * MUST: every file of this module imports the library from here, never directly:
 *       @peculiar/x509 depends on tsyringe, which throws at load time unless a Reflect metadata
 *       polyfill was loaded first. ES modules evaluate their imports in source order, so the
 *       polyfill below runs before the library.
 * MUST: callers pass the WebCrypto provider explicitly (`webcrypto` from node:crypto) instead of
 *       setting the library's global provider: no hidden state.
 */
import 'reflect-metadata';
export * as x509 from '@peculiar/x509';
