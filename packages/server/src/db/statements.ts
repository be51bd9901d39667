import type Database from 'better-sqlite3';
import type { Db } from './database.js';

const byConnection = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The statement for `sql`, compiled once per connection. better-sqlite3 compiles on every
 * `prepare`, and on the per-request lookups (session, vehicle, served catalog) compiling cost
 * more than running the query.
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let statements = byConnection.get(db);
  if (!statements) byConnection.set(db, (statements = new Map()));
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
}
