/**
 * The pipeline's state folder holds the files apply handed to the engine.
 * A list of them is kept beside them (`.flowctl-written`), so that the next
 * apply removes the files the pipeline no longer has (kubectl apply reads
 * the whole folder) and delete removes them all, leaving what a running
 * pipeline keeps (deploy's run/ folder) alone.
 */
import type { Deployment } from "../deploy/mod.ts";
import { onDisk } from "./errors.ts";
import type { Io } from "./io.ts";

export const WRITTEN_LIST = ".flowctl-written";

/** The files a former apply wrote, as its list names them. */
async function writtenBefore(dir: string, io: Io): Promise<string[]> {
  const tree = await io.readFile(`${dir}/${WRITTEN_LIST}`).then((bytes) => new TextDecoder().decode(bytes), () => "");
  // Only plain relative names: the list is ours, but a hand-edited one must not reach outside the folder.
  return tree.split("\n").filter((path) => path && !path.startsWith("/") && !path.split("/").includes(".."));
}

/** Writes the deployment's files, and removes those of a former apply it no longer has. */
export async function writeStateFolder(deployment: Deployment, io: Io): Promise<void> {
  const { dir, files } = deployment;
  const now = new Set(files.map((f) => f.path));
  const stale = (await writtenBefore(dir, io)).filter((path) => !now.has(path));
  const list = { path: WRITTEN_LIST, content: files.map((f) => `${f.path}\n`).join("") };
  await onDisk(`write into ${dir}`, () => io.writeFiles(dir, [...files, list]));
  if (stale.length) await onDisk(`remove from ${dir}`, () => io.removeFiles(dir, stale));
}

/** Removes the files apply wrote, and their list. */
export async function clearStateFolder(deployment: Deployment, io: Io): Promise<void> {
  const { dir } = deployment;
  const written = await writtenBefore(dir, io);
  await onDisk(`remove from ${dir}`, () => io.removeFiles(dir, [...new Set([...written, ...deployment.files.map((f) => f.path)]), WRITTEN_LIST]));
}
