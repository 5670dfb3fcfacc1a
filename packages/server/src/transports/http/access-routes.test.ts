import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchRoute } from './access-routes.js';

const routes = [
  { method: 'GET', url: '/api/v1/users', permission: 'users:read' },
  { method: 'GET', url: '/api/v1/users/:id/training', permission: 'training:read' },
  { method: 'POST', url: '/api/v1/users/:id/disable', permission: 'users:manage' },
  { method: 'GET', url: '/api/v1/users/me', permission: 'session:self' },
  { method: 'GET', url: '/api/v1/users/:id', permission: 'users:read' },
  { method: 'GET', url: '/*', permission: 'public' },
];

const table: Array<[string, string, string | undefined]> = [
  ['GET', '/api/v1/users', 'users:read'],
  ['GET', '/api/v1/users?x=1', 'users:read'],
  ['POST', '/api/v1/users/abc/disable', 'users:manage'],
  ['GET', '/api/v1/users/me', 'session:self'],
  ['GET', '/api/v1/users/abc', 'users:read'],
  ['GET', '/api/v1/users/abc/training', 'training:read'],
  ['GET', '/index.html', 'public'],
  ['DELETE', '/api/v1/users', undefined],
  ['POST', '/api/v1/users/abc', undefined],
];
for (const [method, path, permission] of table) {
  test(`${permission ? 'ok' : 'fail'}/matchRoute ${method} ${path}`, () => assert.equal(matchRoute(routes, method, path)?.permission, permission));
}
