/** Generated scripts checked by shellcheck (info level, as verifiers.md advises) and bash -n, plus rules no tool has. */

async function run(command: string, args: string[], input: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(command, { args, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: decode(out.stdout) + decode(out.stderr) };
}

/** Every finding, one per line; empty when the script is clean. */
export async function shellErrors(name: string, script: string): Promise<string[]> {
  const errors: string[] = [];
  const sc = await run("shellcheck", ["-S", "info", "-s", "bash", "-f", "gcc", "-"], script);
  if (sc.code !== 0) errors.push(...sc.output.trim().split("\n").map((l) => `${name}: ${l}`));
  const syntax = await run("bash", ["-n"], script);
  if (syntax.code !== 0) errors.push(`${name}: bash -n: ${syntax.output.trim()}`);
  // Neither tool flags eval "... $x" injection; generated scripts must never re-parse text as code.
  script.split("\n").forEach((line, i) => {
    // At command position: line start, after ; & | or a keyword. Quoted text is data, not code.
    const code = line.replace(/'[^']*'/g, "''");
    if (/(^|[;&|]|\bthen|\bdo|\belse)\s*(eval|source|\.)\s/.test(code) && !line.trimStart().startsWith("#")) {
      errors.push(`${name}:${i + 1}: re-parses text as shell code: ${line.trim()}`);
    }
  });
  return errors;
}
