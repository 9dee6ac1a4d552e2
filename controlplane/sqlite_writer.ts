/**
 * The store's writer, in a worker of its own: it holds the database
 * connection that commits, so the server's thread keeps serving requests
 * while a COMMIT waits for the disk (synchronous=FULL: an fsync each time).
 * Requests that arrive meanwhile are gathered into the next batch. One batch
 * is one transaction; the reply comes after COMMIT returned.
 */
import { openDatabase, type Row, writeRows } from "./sqlite_database.ts";

export type WriterRequest =
  | { kind: "open"; path: string }
  | { kind: "commit"; id: number; rows: Row[] }
  | { kind: "close" };

export type WriterReply =
  | { kind: "opened" }
  | { kind: "committed"; id: number }
  | { kind: "failed"; id: number; message: string }
  | { kind: "closed" };

const port = self as unknown as {
  onmessage: (event: MessageEvent<WriterRequest>) => void;
  postMessage(reply: WriterReply): void;
  close(): void;
};

let db: ReturnType<typeof openDatabase> | undefined;

port.onmessage = ({ data: request }) => {
  switch (request.kind) {
    case "open":
      db = openDatabase(request.path);
      port.postMessage({ kind: "opened" });
      break;
    case "commit":
      try {
        writeRows(db!, request.rows);
        port.postMessage({ kind: "committed", id: request.id });
      } catch (err) {
        port.postMessage({
          kind: "failed",
          id: request.id,
          message: err instanceof Error ? err.message : String(err),
        });
      }
      break;
    case "close":
      db?.close();
      db = undefined;
      port.postMessage({ kind: "closed" });
      port.close();
  }
};
