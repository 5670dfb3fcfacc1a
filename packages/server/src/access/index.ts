/**
 * access: roles, the permission table, and decide() (pure). Services call decide() before they
 * touch a store; transports call it for the route-level permission.
 * MUST: deny by default; cross-tenant answers are not-found (404), never forbidden.
 */
export { PERMISSIONS, isPermission, type Permission, type PermissionSpec } from './permissions.js';
export { decide, type Decision, type DecisionRule, type ResourceRef } from './decide.js';
export { explain, type Explanation } from './explain.js';
export { renderPermissionTable, PERMISSION_TABLE_BEGIN, PERMISSION_TABLE_END } from './permission-table.js';
