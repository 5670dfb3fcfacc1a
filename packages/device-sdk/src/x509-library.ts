/**
 * The one door to @peculiar/x509 inside the SDK (CSRs here; certificates in the test PKI).
 *
 * MUST: every SDK file imports the library from here: @peculiar/x509 depends on tsyringe, which
 *       throws at load time unless a Reflect metadata polyfill was loaded first, and ES modules
 *       evaluate their imports in source order.
 * MUST: callers pass node's WebCrypto explicitly instead of setting the library's global
 *       provider (no hidden state in an embedded library).
 */
import 'reflect-metadata';
export * as x509 from '@peculiar/x509';
