/**
 * compliance/risks: the risk register.
 */
export * from './model.js';
export { THREAT_MODEL_SEED, seededRisks } from './seed.js';
export type { RiskScope, RiskStore } from './store.js';
export { RiskService, type RiskPatch, type RiskServiceDeps } from './risk-service.js';
