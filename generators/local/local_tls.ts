/**
 * TLS in run.sh: the files of `flowctl tls certs` stay in their folder
 * (`$FLOWCTL_TLS_DIR`, default the pipeline's `dir` beside run.sh). run.sh
 * checks them before it starts anything, as ssh does its keys, and hands
 * processes their paths there; containers get them bound at /etc/flowctl/tls.
 */
import type { ComponentIR, TlsIR } from "../../compiler/ir.ts";
import { controlPlaneTlsFlags, TLS_ENV, TLS_MOUNT, TLS_MOUNT_FILES, tlsRoles, tlsSourcePaths, tlsSources } from "../shared/tls.ts";
import { shellWord } from "./shell_words.ts";

/** The shell variable that holds the tls dir's absolute path. */
const TLS_DIR = '"$tls_dir"/';

/**
 * Finds the tls dir and stops run.sh when a file the run needs is missing,
 * or when a key can be read by group or others. `controlPlane`: run.sh hands
 * the control plane its files (unless FLOWCTL_CONTROL_PLANE=external).
 */
export function tlsCheckLines(tls: TlsIR, components: ComponentIR[], controlPlane: boolean): string[] {
  // A component's own pair (mode mutual); the CA is everyone's.
  const files = components.flatMap((c) =>
    tlsRoles(tls, c).filter((r) => r !== "ca").map((r) => ({ path: tlsSources(c)[r], key: r === "key" }))
  );
  const own = tlsSources("control-plane");
  return [
    `# TLS (mode ${tls.mode}): the files of flowctl tls certs, from FLOWCTL_TLS_DIR.`,
    `tls_default="$here"/${shellWord(tls.dir)}`,
    'tls_dir=$(cd -- "${FLOWCTL_TLS_DIR:-$tls_default}" 2>/dev/null && pwd) || {',
    '  say "no TLS folder ${FLOWCTL_TLS_DIR:-$tls_default}: run flowctl tls certs, or set FLOWCTL_TLS_DIR"',
    "  exit 1",
    "}",
    "# tls_file FILE [key]: stops run.sh when FILE cannot be read, or when a key is open to group or others (as ssh does).",
    "tls_file() {",
    "  local mode",
    "  if [[ ! -r $tls_dir/$1 ]]; then",
    '    say "TLS file $tls_dir/$1 is missing or unreadable: run flowctl tls certs, or set FLOWCTL_TLS_DIR"',
    "    exit 1",
    "  fi",
    '  mode=$(ls -ldL -- "$tls_dir/$1") || exit 1',
    "  if [[ ${2:-} == key && ${mode:4:6} != ------ ]]; then",
    '    say "TLS key $tls_dir/$1 can be read by others (${mode:0:10}): chmod 600 it"',
    "    exit 1",
    "  fi",
    "}",
    "tls_file ca.pem",
    ...(controlPlane
      ? [
        "if [[ ${FLOWCTL_CONTROL_PLANE:-} != external ]]; then",
        `  tls_file ${shellWord(own.cert)}`,
        `  tls_file ${shellWord(own.key)} key`,
        "fi",
      ]
      : []),
    ...files.map((f) => `tls_file ${shellWord(f.path)}${f.key ? " key" : ""}`),
    "",
  ];
}

/** A process's TLS path (relative to the tls dir, from `tlsSources`) as an env word made absolute at run time; undefined for other env. */
export function tlsEnvWord(key: string, value: string, process: boolean): string | undefined {
  if (!process || !(Object.values(TLS_ENV) as string[]).includes(key)) return undefined;
  return `"${key}=$tls_dir"/${shellWord(value)}`;
}

/** `docker run -v` words that bind an owner's files at /etc/flowctl/tls. */
export function tlsBinds(tls: TlsIR, owner: "control-plane" | ComponentIR): string[] {
  const sources = tlsSources(owner);
  return tlsRoles(tls, owner).flatMap((
    role,
  ) => ["-v", TLS_DIR + shellWord(`${sources[role]}:${TLS_MOUNT}/${TLS_MOUNT_FILES[role]}:ro`)]);
}

/** The bundled control plane's flags as words: its files in the tls dir. */
export function controlPlaneTlsWords(tls: TlsIR): string {
  return controlPlaneTlsFlags(tls, tlsSourcePaths("control-plane", (relative) => TLS_DIR + shellWord(relative))).join(" ");
}
