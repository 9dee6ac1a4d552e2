/** Go durations (`10s`, `1m30s`, `500ms`), as the pipeline format and the Go tool write them. */

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** A Go duration in nanoseconds; undefined unless the whole text is one. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_NS[m[2]];
  return Math.round(total);
}

/** A duration the schema already accepted, in nanoseconds. */
export function nanos(duration: string): number {
  return parseDuration(duration) ?? 0;
}
