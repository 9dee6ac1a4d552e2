/**
 * What a GitHub Actions step speaks, as pure functions: workflow commands
 * (annotations), the GITHUB_OUTPUT file format, a job-summary table and
 * diagrams, and the glob patterns of the `pipelines` input.
 */
import type { Diagnostic } from "../compiler/diagnostics.ts";
import { renderMermaid } from "../graph/mermaid.ts";
import type { Topology } from "../graph/topology.ts";

/** Escaping of workflow-command data and property values (as @actions/core does). */
function escapeData(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}
function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}

/** One workflow command line: `::level key=value,…::message`, escaped as the runner reads it. */
export function workflowCommand(level: "error" | "warning", properties: Record<string, string | number>, message: string): string {
  const props = Object.entries(properties).map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(",");
  return `::${level}${props ? ` ${props}` : ""}::${escapeData(message)}\n`;
}

/** `::error file=…,line=…,col=…,title=…::message`: shown at the line in the pull request. */
export function annotation(d: Diagnostic, suffix = ""): string {
  const where: Record<string, string | number> = d.line ? { file: d.file, line: d.line, col: d.column } : { file: d.file };
  const text = d.hint ? `${d.message} (hint: ${d.hint})` : d.message;
  return workflowCommand(d.severity === "error" ? "error" : "warning", { ...where, title: `flowctl ${d.code}${suffix}` }, text);
}

/** A file-level annotation that is not a diagnostic (drift, a missing input file). */
export function fileAnnotation(level: "error" | "warning", file: string, title: string, message: string): string {
  return workflowCommand(level, { file, title }, message);
}

/** One `name<<delimiter` block of the GITHUB_OUTPUT file; the delimiter is checked not to occur in the value. */
export function outputEntry(name: string, value: string, delimiter: string): string {
  if (value.includes(delimiter)) throw new Error(`output ${name} contains its delimiter`);
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

export interface SummaryRow {
  pipeline: string;
  target: string;
  result: string;
  files: number;
  errors: number;
  warnings: number;
}

/** The job summary: a Markdown table with a row per pipeline and target. */
export function summaryTable(mode: string, rows: readonly SummaryRow[]): string {
  const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    `### flowctl ${mode}`,
    "",
    "| Pipeline | Target | Result | Files | Errors | Warnings |",
    "|---|---|---|---:|---:|---:|",
    ...rows.map((r) =>
      `| ${cell(r.pipeline)} | ${cell(r.target)} | ${cell(r.result)} | ${r.files} | ${r.errors} | ${r.warnings} |`
    ),
  ];
  return lines.join("\n") + "\n\n";
}

/** Text as a Markdown code span: a run of backticks longer than any inside it, so nothing in it is markup. */
function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  const fence = "`".repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * The job summary's pictures: each valid pipeline's graph as a Mermaid block,
 * which GitHub draws. Mermaid's text holds no backtick (graph/mermaid.ts
 * writes it as an entity), so no pipeline can close the block early.
 */
export function summaryDiagrams(pipelines: readonly { file: string; topology: Topology }[]): string {
  if (!pipelines.length) return "";
  const blocks = pipelines.map((p) =>
    `**${codeSpan(p.file)}**: pipeline ${codeSpan(p.topology.pipeline)}\n\n\`\`\`mermaid\n${renderMermaid(p.topology)}\`\`\`\n`
  );
  return ["#### Pipelines", "", ...blocks].join("\n") + "\n";
}

/** A glob as a RegExp over `/`-separated relative paths: `**` any folders, `*` and `?` within one name. */
export function globPattern(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      re += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}
