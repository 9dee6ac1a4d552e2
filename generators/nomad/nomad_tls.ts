/**
 * A Nomad task's TLS files: templates that read them, when the task starts,
 * from a Nomad Variable only that task may read (or from Vault) into its
 * secrets/ folder, bound read-only at /etc/flowctl/tls. No key is ever in
 * the jobspec; the header says how to put them into the Variable.
 */
import type { ComponentIR, TlsIR } from "../../compiler/ir.ts";
import { commandLines, inTlsDir, TLS_MOUNT, TLS_MOUNT_FILES, tlsRoles, tlsSources } from "../shared/tls.ts";
import type { NomadTemplate } from "./nomad_job.ts";

/** Where the templates render, in the task directory (secrets/ is private to the task). */
export const NOMAD_TLS_DIR = "secrets/flowctl-tls";

export interface TaskPlace {
  job: string;
  group: string;
  task: string;
  namespace?: string;
  secretsFrom: "nomad" | "vault";
}

export interface NomadTls {
  templates: NomadTemplate[];
  /** The docker `mount` that shows the files at /etc/flowctl/tls. */
  mount: Record<string, string | boolean>;
  /** The command that stores the owner's files where the templates read them, as comment lines. */
  command: string[];
}

export function nomadTls(tls: TlsIR, owner: "control-plane" | ComponentIR, place: TaskPlace): NomadTls {
  const roles = tlsRoles(tls, owner);
  const sources = tlsSources(owner);
  // A task may read its own Variable (nomad/jobs/<job>/<group>/<task>) by default; no other task can read its key.
  const variable = `nomad/jobs/${place.job}/${place.group}/${place.task}`;
  const vaultPath = `flowctl-tls/${place.job}/${place.group}`;
  const read = (role: string) =>
    place.secretsFrom === "vault"
      ? `{{ with secret "secret/data/${vaultPath}" }}{{ index .Data.data "${role}" }}{{ end -}}`
      : `{{ with nomadVar "${variable}" }}{{ index . "${role}" }}{{ end -}}`;
  return {
    // `-}}` drops the heredoc's last newline: the file is the PEM text as stored. Nomad's default mode (0644) lets a
    // container's own user read the key, as a Kubernetes Secret volume does; the folder is the task's alone.
    templates: roles.map((role) => ({
      destination: `${NOMAD_TLS_DIR}/${TLS_MOUNT_FILES[role]}`,
      env: false,
      changeMode: "restart",
      data: `${read(role)}\n`,
    })),
    mount: { type: "bind", source: NOMAD_TLS_DIR, target: TLS_MOUNT, readonly: true },
    command: commandLines(
      place.secretsFrom === "vault"
        ? ["vault", "kv", "put", "-mount=secret", vaultPath]
        : ["nomad", "var", "put", ...(place.namespace ? [`-namespace=${place.namespace}`] : []), variable],
      roles.map((role) => `${role}=@${inTlsDir(tls, sources[role])}`),
    ),
  };
}
