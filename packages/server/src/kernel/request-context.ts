/** The context every service call carries: who, from where, under which request id. */
import type { Principal } from './principal.js';

export interface RequestContext {
  readonly principal: Principal;
  readonly requestId: string;
  /** Source address (IP) of the request, or 'local' for CLI and jobs. */
  readonly source: string;
}

export function systemContext(requestId: string, principal: Principal): RequestContext {
  return { principal, requestId, source: 'local' };
}
