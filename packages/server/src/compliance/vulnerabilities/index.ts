/**
 * compliance/vulnerabilities: advisory feeds (OSV, CISA KEV), SBOM matching, VEX.
 */
export * from './model.js';
export { parseFeed, type ParsedFeed } from './feed-import.js';
export { VEX_JUSTIFICATIONS, type FeedImport, type VexJustification, type VexStatement, type VulnerabilityScope, type VulnerabilityStore } from './store.js';
export { VulnerabilityService, type MatchView, type VulnerabilityServiceDeps } from './vulnerability-service.js';
