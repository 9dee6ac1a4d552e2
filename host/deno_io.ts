/** The CLI's `Io` on Deno: files, streams, environment, signals and child processes. */
import type { ExecResult, Io } from "../cli/io.ts";
import type { CueEngine } from "../compiler/cue.ts";
import { fileMode } from "../generators/generator.ts";

/**
 * The real world, for Deno. The CLI passes CUE's loader; the control-plane
 * image, which compiles nothing, has none (and so does not carry CUE).
 */
export function denoIo(loadCue?: (options: { cache?: boolean }) => Promise<CueEngine>): Io {
  const engines = new Map<boolean, Promise<CueEngine>>();
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
          await Deno.writeTextFile(`${path}.flowctl-tmp`, f.content, { mode: fileMode(f) });
          written.push(`${path}.flowctl-tmp`); // only what this call made is removed on failure
          await Deno.chmod(`${path}.flowctl-tmp`, fileMode(f)); // mode is masked by umask on create
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
    // A checkout keeps them in dist/ (built by scripts/bundle.ts).
    readOwnFile: (name) => Deno.readFile(new URL(`../dist/${name}`, import.meta.url)),
    untilStopped: () =>
      new Promise((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => resolve(signal));
      }),
    cue({ cache = true } = {}) {
      if (!engines.has(cache)) {
        engines.set(cache, loadCue ? loadCue({ cache }) : Promise.reject(new Error("this program has no CUE evaluator")));
      }
      return engines.get(cache)!;
    },
    async exec(argv, options = {}): Promise<ExecResult> {
      let child: Deno.ChildProcess;
      try {
        child = new Deno.Command(argv[0], {
          args: argv.slice(1),
          cwd: options.cwd,
          env: options.env,
          stdin: options.stdin ? "piped" : "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
      } catch (err) {
        return { code: 127, stdout: "", stderr: "", notStarted: err instanceof Error ? err.message : String(err) };
      }
      const feed = async (bytes: Uint8Array) => {
        const writer = child.stdin.getWriter();
        try {
          await writer.write(bytes);
          await writer.close();
        } catch { /* it stopped reading: its exit status says why */ }
      };
      const collect = async (stream: ReadableStream<Uint8Array>) => {
        const chunks: Uint8Array[] = [];
        for await (const chunk of stream) {
          chunks.push(chunk);
          if (options.echo) writeAll(Deno.stderr, chunk);
        }
        const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        chunks.reduce((at, c) => (all.set(c, at), at + c.length), 0);
        return new TextDecoder().decode(all);
      };
      const [stdout, stderr, status] = await Promise.all([
        collect(child.stdout),
        collect(child.stderr),
        child.status,
        options.stdin ? feed(options.stdin) : undefined,
      ]);
      return { code: status.code, stdout, stderr };
    },
    async removeFiles(dir, paths) {
      for (const path of paths) await Deno.remove(`${dir}/${path}`).catch((err) => {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      });
    },
    flowctlCommand() {
      // cli.ts in a checkout (with its deno.json, for the npm packages), or a bundled program.
      const program = new URL(Deno.mainModule);
      const config = new URL("deno.json", program);
      const checkout = program.pathname.endsWith(".ts") && exists(config);
      return [Deno.execPath(), "run", "--allow-all", "--quiet", ...(checkout ? ["--config", config.pathname] : []), program.pathname];
    },
    async httpGet(url, timeoutMs, tls) {
      const client = tls && Deno.createHttpClient({ caCerts: [tls.ca], ...(tls.cert && tls.key && { cert: tls.cert, key: tls.key }) });
      try {
        const answer = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), client });
        return { status: answer.status, body: await answer.text() };
      } catch (err) {
        if (err instanceof DOMException && err.name === "TimeoutError") return { error: `no answer within ${timeoutMs} ms` };
        // "fetch failed", caused by "error sending request for url (…): …: Connection refused (os error 111)":
        // the cause's last part says it.
        const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
        return { error: (cause instanceof Error ? cause.message : String(cause)).split(": ").pop()! };
      } finally {
        client?.close();
      }
    },
  };
}

function exists(path: URL): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += stream.writeSync(bytes.subarray(done));
}
