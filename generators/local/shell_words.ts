/**
 * Shell words for generated bash scripts. A value from the pipeline file only
 * ever appears inside quotes made here, so no id, env value, argument or path
 * can become shell code: quotes, `$`, backticks, `;` and newlines arrive
 * byte for byte.
 */

/** Characters that need no quoting anywhere in a word (and never start an assignment or expansion). */
const PLAIN = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * One word whose value is exactly `text`. Plain text stays bare; text with
 * `$`, backticks, backslashes or control characters uses ANSI-C quoting
 * ($'…'), where they are written as escapes; anything else uses '…'.
 */
export function shellWord(text: string): string {
  if (PLAIN.test(text)) return text;
  // deno-lint-ignore no-control-regex
  if (/[$`\\\x00-\x1f\x7f]/.test(text)) {
    // deno-lint-ignore no-control-regex
    return "$'" + text.replace(/[\\'\x00-\x1f\x7f]/g, (ch) => ESCAPES[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`) + "'";
  }
  return `'${text.replaceAll("'", () => "'\\''")}'`;
}

const ESCAPES: Record<string, string> = { "\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r" };

/**
 * A host path as one word, expanding what a user means by `~`, `$VAR` and
 * `${VAR}` when the script runs (as docker compose would); a relative path is
 * taken from the script's directory (`$here`). Everything else is quoted.
 */
export function shellPath(path: string): string {
  const parts: string[] = [];
  let rest = path;
  if (rest === "~" || rest.startsWith("~/")) {
    parts.push('"$HOME"');
    rest = rest.slice(1);
  } else if (!rest.startsWith("/") && !rest.startsWith("$")) {
    parts.push('"$here"/');
    rest = rest.replace(/^\.\//, "");
  }
  for (const piece of rest.split(/(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)/)) {
    if (!piece) continue;
    const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(piece);
    parts.push(variable ? `"\${${variable[1]}}"` : shellWord(piece));
  }
  return parts.join("") || "''";
}
