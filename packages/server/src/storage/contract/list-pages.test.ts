/** Runs the paged lists' contract on every adapter (SQLite always, PostgreSQL when its URL is set). */
import { describe } from 'node:test';
import { testAdapters } from './adapters.js';
import { listPagesContract } from './list-pages.contract.js';

for (const adapter of testAdapters()) describe(`${adapter.name}/paged lists`, () => listPagesContract(adapter.open));
