/**
 * How wide a line of text is drawn, approximated without measuring a font:
 * pictures set ids and labels in a monospace font, where every character
 * takes the same advance (about 0.6 em) and East Asian wide characters two.
 * The same text gives the same width on every host, so layouts are byte-stable.
 */

/** The advance of one character cell, in em; a little over what common monospace fonts use (0.55–0.6). */
const CELL_EM = 0.62;

/** East Asian wide and fullwidth ranges (Hangul, CJK, Kana, fullwidth forms, emoji): two cells each. */
function cells(codePoint: number): number {
  const wide = (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1faff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd);
  return wide ? 2 : 1;
}

/** The width of `text` set at `fontSize` pixels, in pixels. */
export function textWidth(text: string, fontSize: number): number {
  let n = 0;
  for (const c of text) n += cells(c.codePointAt(0)!);
  return n * CELL_EM * fontSize;
}

/** `text` cut to fit `maxWidth` pixels, ending in `…` when it was cut. */
export function truncate(text: string, fontSize: number, maxWidth: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const room = maxWidth - textWidth("…", fontSize);
  let out = "";
  let width = 0;
  for (const c of text) {
    const w = cells(c.codePointAt(0)!) * CELL_EM * fontSize;
    if (width + w > room) break;
    out += c;
    width += w;
  }
  return out + "…";
}
