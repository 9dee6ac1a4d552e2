/** Reads the PEM files a GET over TLS uses (a CA, and maybe a client certificate) into what `Io.httpGet` takes. */
import { onDisk } from "./errors.ts";
import type { HttpTls, Io } from "./io.ts";

export interface HttpTlsFiles {
  ca: string;
  cert?: string;
  key?: string;
}

/** The files' texts; a file that cannot be read is an input error naming it. */
export async function readHttpTls(files: HttpTlsFiles, io: Io): Promise<HttpTls> {
  const read = (path: string) => onDisk(`read ${path}`, async () => new TextDecoder().decode(await io.readFile(path)));
  return {
    ca: await read(files.ca),
    cert: files.cert === undefined ? undefined : await read(files.cert),
    key: files.key === undefined ? undefined : await read(files.key),
  };
}
