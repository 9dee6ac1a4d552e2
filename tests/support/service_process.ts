/**
 * The web service in its own process, started with the arguments of
 * `deno task serve` (so its permissions are the task's), on a free port.
 * Its stderr is drained into `log()`, so it never blocks on a full pipe.
 */
import { ROOT } from "./helpers.ts";

export interface ServiceProcess {
  child: Deno.ChildProcess;
  base: string;
  /** What it printed on stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

export async function spawnService(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks;
  const [program, ...args] = (tasks.serve as string).split(/\s+/);
  if (program !== "deno") throw new Error(`deno task serve runs ${program}, not deno`);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL(".", ROOT).pathname,
    env: { NO_COLOR: "1", ...env, PORT: "0" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const listening = /listening on http:\/\/[^:]+:(\d+)/;
  while (!listening.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the service exited: ${text}`);
    text += value;
  }
  const drained = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
  })();
  return {
    child,
    base: `http://127.0.0.1:${listening.exec(text)![1]}`,
    log: () => text,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await drained;
    },
  };
}
