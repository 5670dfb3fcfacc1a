/**
 * Wiring of alert delivery (issue 11 item 4): the operator's outbound address policy.
 * MUST: only the operator's configuration widens the policy; an invalid entry refuses to start.
 */
import { createTargetPolicy, type TargetPolicy } from '../alerts/index.js';
import type { Config } from '../config/index.js';
import { AppError } from '../kernel/index.js';

export function deliveryTargetPolicy(config: Config): TargetPolicy {
  try {
    return createTargetPolicy({ allowedTargets: config.delivery.allowedTargets });
  } catch (error) {
    throw new AppError('CONFIG_INVALID', { detail: error instanceof Error ? error.message : String(error) });
  }
}
