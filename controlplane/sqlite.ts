/// <reference path="./node_sqlite.d.ts" />
/** SQLite as Deno ships it (`node:sqlite`), with the types the store relies on. */
export { DatabaseSync, type StatementSync } from "node:sqlite";
