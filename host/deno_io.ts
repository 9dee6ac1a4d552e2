/** The CLI's `Io` on Deno: files, streams, environment, signals and child processes. */
import type { Io } from "../cli/io.ts";
import type { CueEngine } from "../compiler/cue.ts";

/** The real world, for Deno. */
export function denoIo(): Io {
  let engine: Promise<CueEngine> | undefined;
  const encoder = new TextEncoder();
  return {
    readFile: (path) => Deno.readFile(path),
    readStdin: async () => new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer()),
    async writeFiles(dir, files) {
      // Every file is written beside its final name first; only when all are there are they renamed
      // into place, so a failure leaves none of them and a reader never sees half a file.
      const written: string[] = [];
      try {
        for (const f of files) {
          const path = `${dir}/${f.path}`;
          await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
          await Deno.writeTextFile(`${path}.flowctl-tmp`, f.content, { mode: f.executable ? 0o755 : 0o644 });
          written.push(`${path}.flowctl-tmp`); // only what this call made is removed on failure
          if (f.executable) await Deno.chmod(`${path}.flowctl-tmp`, 0o755); // mode is masked by umask on create
        }
      } catch (err) {
        await Promise.all(written.map((tmp) => Deno.remove(tmp).catch(() => {})));
        throw err;
      }
      for (const f of files) await Deno.rename(`${dir}/${f.path}.flowctl-tmp`, `${dir}/${f.path}`);
    },
    stdout: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    stderr: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    env: (name) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    },
    isTerminal: Deno.stderr.isTerminal(),
    async readTree(dir) {
      const files = new Map<string, string>();
      const walk = async (relative: string) => {
        for await (const e of Deno.readDir(`${dir}/${relative}`)) {
          const path = relative ? `${relative}/${e.name}` : e.name;
          if (e.isDirectory) await walk(path);
          else if (e.isFile) files.set(path, await Deno.readTextFile(`${dir}/${path}`));
        }
      };
      try {
        await walk("");
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
      return files;
    },
    async makeParentDir(path) {
      const slash = path.lastIndexOf("/");
      if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
    },
    async runScript(script, env) {
      const child = new Deno.Command("bash", {
        args: ["-c", script, "run.sh"],
        env,
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
      const forward = () => {
        try {
          child.kill("SIGTERM");
        } catch { /* it has exited already */ }
      };
      for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, forward);
      try {
        return (await child.status).code;
      } finally {
        for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, forward);
      }
    },
    untilStopped: () =>
      new Promise((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => resolve(signal));
      }),
    cue() {
      engine ??= import("./cue_wasm.ts").then((m) => m.loadCue());
      return engine;
    },
  };
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += stream.writeSync(bytes.subarray(done));
}
