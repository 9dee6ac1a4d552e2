/**
 * Types for the part of `node:sqlite` the store uses. Deno ships the module,
 * but the @types/node in deno.lock (pulled in by grpc-js) predates it. Only
 * sqlite.ts refers to this file; the store imports the module from there.
 */
declare module "node:sqlite" {
  export type SqlValue = null | number | bigint | string | Uint8Array;

  export interface RunResult {
    changes: number | bigint;
    lastInsertRowid: number | bigint;
  }

  export class StatementSync {
    run(...parameters: SqlValue[]): RunResult;
    get(...parameters: SqlValue[]): Record<string, SqlValue> | undefined;
    all(...parameters: SqlValue[]): Record<string, SqlValue>[];
    iterate(...parameters: SqlValue[]): IterableIterator<Record<string, SqlValue>>;
  }

  export class DatabaseSync {
    constructor(path: string, options?: { readOnly?: boolean; open?: boolean; timeout?: number });
    readonly isTransaction: boolean;
    exec(sql: string): void;
    prepare(sql: string): StatementSync;
    close(): void;
  }
}
