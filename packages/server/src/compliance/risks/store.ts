/**
 * The risk register store port. Implemented in storage/stores/risk-store.ts.
 */
import type { AuditWriter } from '../../audit/index.js';
import type { Risk } from './model.js';

export interface RiskStore {
  list(): Promise<Risk[]>;
  find(id: string): Promise<Risk | undefined>;
  insert(risks: readonly Risk[]): Promise<void>;
  update(risk: Risk): Promise<void>;
}

export interface RiskScope {
  readonly risks: RiskStore;
  readonly audit: AuditWriter;
}
