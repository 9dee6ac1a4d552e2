/**
 * TLS between the control plane and the components (`spec.controlPlane.tls`),
 * laid out alike on every target: the files `flowctl tls certs` writes, the
 * fixed paths a container sees them at, the control plane's flags and the
 * FLOWCTL_TLS_* env of every component. Targets differ only in how the files
 * get there (a Secret, a compose secret, a Nomad template, a folder).
 */
import { type Diagnostic, diagnostic } from "../../compiler/diagnostics.ts";
import type { ComponentIR, ControlPlaneIR, TlsIR } from "../../compiler/ir.ts";
import { TLS_FILES } from "./tls_files.ts";

/** Where every container finds its TLS files. */
export const TLS_MOUNT = "/etc/flowctl/tls";

/** A container's three files by role: the CA, its own certificate, its key. */
export const TLS_MOUNT_FILES = { ca: "ca.pem", cert: "cert.pem", key: "key.pem" } as const;

export type TlsRole = keyof typeof TLS_MOUNT_FILES;
/** A path per role. */
export type TlsPaths = Record<TlsRole, string>;

/** The env names of the paths, by role. */
export const TLS_ENV: Record<TlsRole, string> = {
  ca: "FLOWCTL_TLS_CA",
  cert: "FLOWCTL_TLS_CERT",
  key: "FLOWCTL_TLS_KEY",
};

/** The name components verify in the control plane's certificate: fixed, since an endpoint may be an IP or carry a prefix. */
export const TLS_SERVER_NAME = "flowctl-control-plane";

/** TLS in effect: set, and a control plane to speak it with. */
export function activeTls(cp: ControlPlaneIR): TlsIR | undefined {
  return cp.enabled ? cp.tls : undefined;
}

/** The paths of the three files below `dir` (default: where containers see them). */
export function tlsPaths(dir: string = TLS_MOUNT): TlsPaths {
  return {
    ca: `${dir}/${TLS_MOUNT_FILES.ca}`,
    cert: `${dir}/${TLS_MOUNT_FILES.cert}`,
    key: `${dir}/${TLS_MOUNT_FILES.key}`,
  };
}

/** The roles an owner needs: the control plane all three; a component its own pair in mode mutual only. */
export function tlsRoles(tls: TlsIR, owner: "control-plane" | ComponentIR): TlsRole[] {
  return owner === "control-plane" || tls.mode === "mutual" ? ["ca", "cert", "key"] : ["ca"];
}

/** Where `flowctl tls certs` wrote an owner's files, relative to the tls dir. */
export function tlsSources(owner: "control-plane" | ComponentIR): TlsPaths {
  return owner === "control-plane"
    ? { ca: TLS_FILES.ca, cert: TLS_FILES.controlPlane, key: TLS_FILES.controlPlaneKey }
    : { ca: TLS_FILES.ca, cert: TLS_FILES.component(owner.id), key: TLS_FILES.componentKey(owner.id) };
}

/** A path below the tls dir as the pipeline's folder sees it (`tls/ca.pem`). */
export function inTlsDir(tls: TlsIR, relative: string): string {
  return `${tls.dir.replace(/\/+$/, "")}/${relative}`;
}

/** The bundled control plane's files: the CA only in mode mutual, where it checks client certificates. */
export function controlPlaneTlsFiles(tls: TlsIR, paths: TlsPaths = tlsPaths()): { cert: string; key: string; ca?: string } {
  return { cert: paths.cert, key: paths.key, ...(tls.mode === "mutual" && { ca: paths.ca }) };
}

/** The bundled control plane's flags for those files. */
export function controlPlaneTlsFlags(tls: TlsIR, paths: TlsPaths = tlsPaths()): string[] {
  const files = controlPlaneTlsFiles(tls, paths);
  return ["--tls-cert", files.cert, "--tls-key", files.key, ...(files.ca === undefined ? [] : ["--tls-ca-cert", files.ca])];
}

/** An owner's files in the tls dir, each path as `at` spells it (joined to a folder, or as a shell word). */
export function tlsSourcePaths(owner: "control-plane" | ComponentIR, at: (relative: string) => string): TlsPaths {
  const sources = tlsSources(owner);
  return { ca: at(sources.ca), cert: at(sources.cert), key: at(sources.key) };
}

/** The control plane container's env: the image's `health` probe trusts this CA. */
export function controlPlaneTlsEnv(paths: TlsPaths = tlsPaths()): Record<string, string> {
  return { [TLS_ENV.ca]: paths.ca };
}

/** A component's FLOWCTL_TLS_* env: the CA and the server name always, its own pair in mode mutual. */
export function componentTlsEnv(tls: TlsIR, paths: TlsPaths = tlsPaths()): Record<string, string> {
  const env: Record<string, string> = { [TLS_ENV.ca]: paths.ca, FLOWCTL_TLS_SERVER_NAME: TLS_SERVER_NAME };
  if (tls.mode === "mutual") Object.assign(env, { [TLS_ENV.cert]: paths.cert, [TLS_ENV.key]: paths.key });
  return env;
}

/** What a target does not do with tls, at the user's line: no control plane to speak it with, or a command of the user's own. */
export function tlsCaveats(cp: ControlPlaneIR, target: string): Diagnostic[] {
  const where = cp.origins.tls;
  if (!cp.tls || !where) return [];
  if (!cp.enabled) {
    return [
      diagnostic(
        "W_TARGET_DROPPED",
        where,
        `tls is not used on ${target}: the pipeline has no control plane (enabled: false)`,
        "remove tls, or enable the control plane",
      ),
    ];
  }
  if (!cp.command) return [];
  return [
    diagnostic(
      "W_TARGET_CAVEAT",
      where,
      `the control plane's command is yours, so ${target} adds no --tls-* flags to it`,
      `put your control plane's TLS flags into command (flowctl's: --tls-cert, --tls-key${
        cp.tls.mode === "mutual" ? ", --tls-ca-cert" : ""
      })`,
    ),
  ];
}

/** A shell command for a comment (kubectl, nomad), one argument per line after the first: lines stay short whatever the ids. */
export function commandLines(head: string[], args: string[]): string[] {
  const lines = [head.map(commandWord).join(" "), ...args.map((a) => `  ${commandWord(a)}`)];
  return lines.map((line, i) => (i < lines.length - 1 ? `${line} \\` : line));
}

/** Quoted unless plain. */
function commandWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
