/**
 * Stand-ins for the engines' CLIs (docker, kubectl, nomad) where no real one
 * can run: a folder of scripts, put first on PATH, each appending its argv
 * and standard input to a log and answering as its `replies` say. Tests
 * compare the log with the commands flowctl must run.
 */

export interface FakeEngines {
  /** Put first on PATH. */
  bin: string;
  /** Every call so far: the program, its arguments, what it read on stdin. */
  calls(): Promise<{ argv: string[]; stdin: string }[]>;
  remove(): Promise<void>;
}

/** What a stand-in prints and exits with, chosen by the first argument words that match. */
export interface Reply {
  /** Matches when the call's arguments start with these. */
  args: string[];
  stdout?: string;
  stderr?: string;
  code?: number;
}

export async function fakeEngines(replies: Record<string, Reply[]>): Promise<FakeEngines> {
  const bin = await Deno.makeTempDir({ prefix: "flowctl-engines-" });
  const log = `${bin}/calls.log`;
  for (const [program, answers] of Object.entries(replies)) {
    const cases = answers.map((r) => {
      // Every character but the safe ones escaped, the spaces between words too: a case pattern is one word.
      const pattern = r.args.map((a) => a.replace(/[^A-Za-z0-9_./:=-]/g, (c) => `\\${c}`)).join("\\ ");
      return `  ${pattern || "*"}${r.args.length ? "*" : ""}) printf %s ${q(r.stdout ?? "")}; printf %s ${q(r.stderr ?? "")} >&2; exit ${r.code ?? 0} ;;`;
    });
    // Each call: a record of NUL-separated fields (program, args..., stdin), ended by a \\x1e byte.
    const script = `#!/usr/bin/env bash
{ printf '%s\\0' ${q(program)} "$@"; cat; printf '\\0\\036'; } >> ${q(log)}
case "$*" in
${cases.join("\n")}
  *) exit 0 ;;
esac
`;
    await Deno.writeTextFile(`${bin}/${program}`, script, { mode: 0o755 });
  }
  return {
    bin,
    async calls() {
      const text = await Deno.readTextFile(log).catch(() => "");
      return text.split("\x1e").filter(Boolean).map((record) => {
        const fields = record.split("\0");
        fields.pop(); // after the last NUL
        const stdin = fields.pop()!;
        return { argv: fields, stdin };
      });
    },
    remove: () => Deno.remove(bin, { recursive: true }),
  };
}

/** A bash single-quoted word. */
function q(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
