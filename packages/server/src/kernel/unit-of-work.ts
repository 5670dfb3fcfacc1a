/**
 * UnitOfWork: runs a function inside one database transaction with a scope of store ports
 * bound to that transaction. If the function throws, nothing is committed.
 * This is how an audit event shares the transaction of the change it records.
 */
export interface UnitOfWork<Scope> {
  run<T>(fn: (scope: Scope) => Promise<T>): Promise<T>;
}
