/**
 * Descriptions are documentation, and they stay documentation in every
 * output: comment lines. A comment ends at a line break, so the text is split
 * into lines and nothing else that could end it (a lone CR, other control
 * characters) is kept.
 */

/** The lines of a comment for `text`, without the comment marker. */
export function commentLines(text: string): string[] {
  // deno-lint-ignore no-control-regex
  return text.split(/\r\n|\r|\n|\u2028|\u2029/).map((line) => line.replace(/[\x00-\x1f\x7f\u0085]/g, " ").trimEnd());
}
