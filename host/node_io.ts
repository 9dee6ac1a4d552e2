/** The CLI's `Io` on Node: files, streams, environment, signals and child processes. */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import process from "node:process";
import type { ExecResult, HttpAnswer, HttpTls, Io } from "../cli/io.ts";
import { commandLineCue } from "./node_cue.ts";
import { fileMode } from "../generators/generator.ts";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** mkdir -p, by hand: Node 20's `mkdir(…, {recursive: true})` never settles for a path under /proc. */
async function makeDirs(path: string): Promise<void> {
  const code = (err: unknown) => (err as { code?: string }).code;
  try {
    await mkdir(path);
  } catch (err) {
    if (code(err) === "EEXIST") return;
    const parent = path.slice(0, path.lastIndexOf("/"));
    if (code(err) !== "ENOENT" || !parent) throw err;
    await makeDirs(parent);
    await mkdir(path).catch((again) => {
      if (code(again) !== "EEXIST") throw again;
    });
  }
}

export function nodeIo(): Io {
  return {
    readFile: async (path) => new Uint8Array(await readFile(path)),
    async readStdin() {
      const chunks: Uint8Array[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk);
      return new Uint8Array(Buffer.concat(chunks));
    },
    async writeFiles(dir, files) {
      // Every file is written beside its final name first; only when all are there are they renamed
      // into place, so a failure leaves none of them and a reader never sees half a file.
      const written: string[] = [];
      try {
        for (const f of files) {
          const path = `${dir}/${f.path}`;
          await makeDirs(path.slice(0, path.lastIndexOf("/")));
          await writeFile(`${path}.flowctl-tmp`, f.content, { mode: fileMode(f) });
          written.push(`${path}.flowctl-tmp`); // only what this call made is removed on failure
          await chmod(`${path}.flowctl-tmp`, fileMode(f)); // mode is masked by umask on create
        }
      } catch (err) {
        await Promise.all(written.map((tmp) => rm(tmp, { force: true })));
        throw err;
      }
      for (const f of files) await rename(`${dir}/${f.path}.flowctl-tmp`, `${dir}/${f.path}`);
    },
    // Writes to pipes and files are synchronous on Linux and macOS, so nothing is lost at exit.
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: (name) => process.env[name],
    isTerminal: process.stderr.isTTY === true,
    async readTree(dir) {
      const files = new Map<string, string>();
      const walk = async (relative: string) => {
        for (const e of await readdir(`${dir}/${relative}`, { withFileTypes: true })) {
          const path = relative ? `${relative}/${e.name}` : e.name;
          if (e.isDirectory()) await walk(path);
          else if (e.isFile()) files.set(path, await readFile(`${dir}/${path}`, "utf8"));
        }
      };
      try {
        await walk("");
      } catch (err) {
        if ((err as { code?: string }).code !== "ENOENT") throw err;
      }
      return files;
    },
    async makeParentDir(path) {
      const slash = path.lastIndexOf("/");
      if (slash > 0) await makeDirs(path.slice(0, slash));
    },
    runScript(script, env) {
      const child = spawn("bash", ["-c", script, "run.sh"], { env: { ...process.env, ...env }, stdio: "inherit" });
      const forward = () => child.kill("SIGTERM");
      for (const signal of SIGNALS) process.on(signal, forward);
      return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("exit", (code, signal) => {
          for (const s of SIGNALS) process.off(s, forward);
          resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15));
        });
      });
    },
    // This module runs bundled (dist/cli.js, the npm package's cli.js), and they sit beside the bundle.
    readOwnFile: async (name) => new Uint8Array(await readFile(new URL(`./${name}`, import.meta.url))),
    untilStopped: () => new Promise((resolve) => SIGNALS.forEach((s) => process.once(s, () => resolve(s)))),
    cue: commandLineCue,
    exec(argv, options = {}) {
      return new Promise<ExecResult>((resolve) => {
        const child = spawn(argv[0], argv.slice(1), {
          cwd: options.cwd,
          env: { ...process.env, ...options.env },
          stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout!.on("data", (chunk: Buffer) => {
          out.push(chunk);
          if (options.echo) process.stderr.write(chunk);
        });
        child.stderr!.on("data", (chunk: Buffer) => {
          err.push(chunk);
          if (options.echo) process.stderr.write(chunk);
        });
        // It may stop reading early (and its exit status says why): a broken pipe is not our failure.
        child.stdin?.on("error", () => {});
        child.stdin?.end(options.stdin);
        child.on("error", (e) => resolve({ code: 127, stdout: "", stderr: "", notStarted: e.message }));
        child.on("close", (code, signal) => {
          const signalNumber = signal ? (constants.signals as Record<string, number>)[signal] ?? 15 : 0;
          resolve({ code: code ?? 128 + signalNumber, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
        });
      });
    },
    async removeFiles(dir, paths) {
      for (const path of paths) await rm(`${dir}/${path}`, { force: true });
    },
    // This module runs bundled, as the program Node was started with.
    flowctlCommand: () => [process.execPath, process.argv[1]],
    async httpGet(url, timeoutMs, tls) {
      if (tls) return await httpsGet(url, timeoutMs, tls);
      try {
        const answer = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        return { status: answer.status, body: await answer.text() };
      } catch (err) {
        if (err instanceof DOMException && err.name === "TimeoutError") return { error: `no answer within ${timeoutMs} ms` };
        // Node's fetch says "fetch failed"; the reason is its cause (ECONNREFUSED, ENOTFOUND …).
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        return { error: cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)) };
      }
    },
  };
}

/** A GET over TLS with our own CA (and client certificate): Node's fetch takes neither, node:https does. */
function httpsGet(url: string, timeoutMs: number, tls: HttpTls): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const request = https.get(url, { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => body += chunk);
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", (err) => resolve({ error: err.message }));
    });
    request.on("timeout", () => {
      request.destroy();
      resolve({ error: `no answer within ${timeoutMs} ms` });
    });
    request.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}
