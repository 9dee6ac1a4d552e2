/**
 * The program of the control-plane image, on Deno: scripts/bundle.ts bundles
 * it, with everything it imports, into dist/control-plane.js, which the image
 * runs with `deno run` and nothing to download. The bundle is also the store's
 * writer: the store starts it as a worker under WRITER_NAME, and then it runs
 * the writer. Both branches load their code on demand, so the worker
 * evaluates none of the server's modules.
 */
import { WRITER_NAME } from "../controlplane/sqlite_store.ts";

if ((globalThis as { name?: string }).name === WRITER_NAME) {
  await import("../controlplane/sqlite_writer.ts");
} else {
  const { controlPlaneImageMain } = await import("../cli/control_plane_image.ts");
  const { denoIo } = await import("./deno_io.ts");
  Deno.exit(await controlPlaneImageMain(Deno.args, denoIo(), { storeWriter: import.meta.url }));
}
