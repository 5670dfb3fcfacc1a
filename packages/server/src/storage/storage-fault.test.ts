/** Which database errors are storage faults (issue 17), table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../kernel/index.js';
import { classifyStorageFault } from './storage-fault.js';

const err = (message: string, code?: string): Error => Object.assign(new Error(message), code !== undefined ? { code } : {});

describe('classifyStorageFault', () => {
  const faults: Array<[string, unknown, string, string]> = [
    ['sqlite full', err('database or disk is full', 'SQLITE_FULL'), 'disk-full', 'SQLITE_FULL'],
    ['sqlite readonly', err('attempt to write a readonly database', 'SQLITE_READONLY'), 'read-only', 'SQLITE_READONLY'],
    ['sqlite ioerr write', err('disk I/O error', 'SQLITE_IOERR_WRITE'), 'io-error', 'SQLITE_IOERR_WRITE'],
    ['pg disk full', err('could not extend file', '53100'), 'disk-full', '53100'],
    ['pg admin shutdown', err('terminating connection due to administrator command', '57P01'), 'unreachable', '57P01'],
    ['pg cannot connect now', err('the database system is shutting down', '57P03'), 'unreachable', '57P03'],
    ['pg read only', err('cannot execute INSERT in a read-only transaction', '25006'), 'read-only', '25006'],
    ['connection refused', err('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), 'unreachable', 'ECONNREFUSED'],
    ['pg terminated', err('Connection terminated unexpectedly'), 'unreachable', 'Connection terminated unexpectedly'],
    ['pg not queryable', err('Client has encountered a connection error and is not queryable'), 'unreachable', 'Client has encountered a connection error and is not queryable'],
    ['wrapped in AppError', new AppError('AUDIT_WRITE_FAILED', { cause: err('database or disk is full', 'SQLITE_FULL') }), 'disk-full', 'SQLITE_FULL'],
  ];
  for (const [name, error, kind, code] of faults) {
    it(`ok/${name} is a ${kind} fault`, () => assert.deepEqual(classifyStorageFault(error), { kind, code }));
  }
  const notFaults: Array<[string, unknown]> = [
    ['unique violation', err('duplicate key', '23505')],
    ['sqlite constraint', err('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE')],
    ['sqlite busy', err('database is locked', 'SQLITE_BUSY')],
    ['serialization', err('could not serialize', '40001')],
    ['app conflict', new AppError('STORAGE_CONFLICT')],
    ['plain bug', new TypeError('x is undefined')],
    ['a string', 'boom'],
    ['null', null],
  ];
  for (const [name, error] of notFaults) {
    it(`fail/${name} is not a storage fault`, () => assert.equal(classifyStorageFault(error), null));
  }
});
