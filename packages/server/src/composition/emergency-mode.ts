/**
 * Emergency read-only mode (issue 12): every module's writes refused, sign-in still allowed.
 */
import type { Config } from '../config/index.js';
import { type HttpRoutes, readOnlyRoutes } from '../transports/http/index.js';

// --- emergency read-only mode (issue 12): every module's writes refused, sign-in still allowed ---
export function applyEmergencyMode(config: Config, routes: HttpRoutes[]): HttpRoutes[] {
  return config.emergency.readOnly ? routes.map(readOnlyRoutes) : routes;
}
