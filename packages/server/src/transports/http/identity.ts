/** The identity part of the HTTPS transport, for the composition root. */
export { createIdentityAuthorizer, readCookie, bearerToken, CSRF_HEADER, type IdentityAuthorizer } from './identity-authorizer.js';
export { authRoutes, type AuthRoutesOptions } from './auth-routes.js';
export { userRoutes } from './user-routes.js';
export { accessRoutes, matchRoute } from './access-routes.js';
