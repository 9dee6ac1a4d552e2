/**
 * Builds flowctl's CUE validator (cue/) to WebAssembly with the pinned Go
 * toolchain and CUE module, and writes what the repository ships:
 *   cue/flowctl_cue.wasm.gz   the module, gzipped
 *   cue/wasm_exec.js          Go's runtime glue, from the same toolchain
 *   cue/build.ts              versions, size and hash of the module
 * With --check it writes nothing and fails unless a fresh build is byte for
 * byte what is committed (CI runs this; users and tests never need Go).
 */
import { gzipSync } from "node:zlib";
import { sha256Hex } from "../host/sha256.ts";

const CUE_DIR = new URL("../cue/", import.meta.url);
const say = (stream: typeof Deno.stdout, line: string) => stream.writeSync(new TextEncoder().encode(`${line}\n`));
const check = Deno.args.includes("--check");

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: CUE_DIR, env, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).trim();
}


const goMod = await Deno.readTextFile(new URL("go.mod", CUE_DIR));
const toolchain = /^toolchain (go\S+)$/m.exec(goMod)?.[1];
const cueVersion = /cuelang\.org\/go (v\S+)/.exec(goMod)?.[1];
// The toolchain go.mod names, or the Go module proxy's copy of it: never another one.
const env = { GOOS: "js", GOARCH: "wasm", GOFLAGS: "-mod=readonly", CGO_ENABLED: "0", GOTOOLCHAIN: toolchain ?? "local" };
const goVersion = (await run("go", ["env", "GOVERSION"], env));
if (goVersion !== toolchain) throw new Error(`go.mod pins ${toolchain}, but the go command runs ${goVersion}`);

const tmp = await Deno.makeTempDir();
try {
  // -trimpath, no VCS stamp and an empty build id keep the machine's paths, the checkout's state and the
  // build's time out of the module.
  await run("go", ["build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", `${tmp}/cue.wasm`, "."], env);
  const wasm = await Deno.readFile(`${tmp}/cue.wasm`);
  const glue = await Deno.readTextFile(`${await run("go", ["env", "GOROOT"], env)}/lib/wasm/wasm_exec.js`);
  const info = { cue: cueVersion, go: goVersion, bytes: wasm.length, sha256: await sha256Hex(wasm) };
  const fields = Object.entries(info).map(([key, value]) => `  ${key}: ${JSON.stringify(value)},\n`).join("");
  const buildTs = `// Written by scripts/cue_build.ts (deno task cue:build): what cue/flowctl_cue.wasm.gz holds.
export const CUE_BUILD = {\n${fields}};
`;
  if (check) {
    const problems: string[] = [];
    const committed = await Deno.readTextFile(new URL("build.ts", CUE_DIR));
    if (committed !== buildTs) problems.push(`cue/build.ts differs from a fresh build:\n${buildTs}`);
    const gz = await Deno.readFile(new URL("flowctl_cue.wasm.gz", CUE_DIR));
    const shipped = new Uint8Array(await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
    if (await sha256Hex(shipped) !== info.sha256) problems.push("cue/flowctl_cue.wasm.gz is not what the pinned sources build");
    if (await Deno.readTextFile(new URL("wasm_exec.js", CUE_DIR)) !== glue) problems.push(`cue/wasm_exec.js is not ${goVersion}'s`);
    if (problems.length) {
      say(Deno.stderr, `${problems.join("\n")}\nrun deno task cue:build and commit the result`);
      Deno.exit(1);
    }
    say(Deno.stdout, `cue/: the shipped module is the build of CUE ${cueVersion} with ${goVersion} (${info.sha256})`);
  } else {
    await Deno.writeFile(new URL("flowctl_cue.wasm.gz", CUE_DIR), gzipSync(wasm, { level: 9 }));
    await Deno.writeTextFile(new URL("wasm_exec.js", CUE_DIR), glue);
    await Deno.writeTextFile(new URL("build.ts", CUE_DIR), buildTs);
    say(Deno.stdout, `cue/flowctl_cue.wasm.gz: CUE ${cueVersion}, ${goVersion}, ${wasm.length} bytes (${info.sha256})`);
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}
