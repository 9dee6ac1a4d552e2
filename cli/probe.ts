/**
 * HTTP probes for images that have no wget, curl or shell:
 *   health [URL]      one GET; exit 0 on a 2xx answer, else 1 (the control-plane image's HEALTHCHECK)
 *   wait URL... [--timeout SECONDS] [--every MILLISECONDS]
 *                     GET each URL until every one has answered 2xx; exit 1 when the time is up
 *                     (a one-shot compose service that others depend on, to gate start-up)
 * The control-plane image runs them as its first argument; the CLI has them
 * as `flowctl controlplane health|wait`. Over https they trust the CA in
 * --ca, else in FLOWCTL_TLS_CA (the env every target gives the control plane
 * under TLS, so the image's own health check follows it to HTTPS).
 */
import { EXIT, UsageError } from "./errors.ts";
import { readHttpTls } from "./http_tls.ts";
import { parseFlags } from "./flags.ts";
import type { HttpAnswer, HttpTls, Io } from "./io.ts";

/** The control plane's own /health, as the image serves it (`--http-port 8081`); https under TLS. */
export const DEFAULT_HEALTH_URL = "http://127.0.0.1:8081/health";
const DEFAULT_HEALTH_URL_TLS = "https://127.0.0.1:8081/health";
/** How long one GET may take: a health check must answer quickly, and `wait` tries again. */
const GET_TIMEOUT_MS = 3000;
const DEFAULT_WAIT_SECONDS = 120;
const DEFAULT_EVERY_MS = 200;

const TLS_HELP = `  --ca FILE               trust this CA for https URLs (default: $FLOWCTL_TLS_CA)
  --cert FILE, --key FILE present this client certificate`;

export const HEALTH_HELP = `Usage: health [URL] [--ca FILE]

One HTTP GET of URL (default: ${DEFAULT_HEALTH_URL}, or
${DEFAULT_HEALTH_URL_TLS} when a CA is given), within ${GET_TIMEOUT_MS / 1000} s.
Exits 0 when the answer is 2xx, 1 otherwise.

Options:
${TLS_HELP}
`;

export const WAIT_HELP = `Usage: wait URL... [--timeout SECONDS] [--every MILLISECONDS]

Sends an HTTP GET to each URL until every one has answered 2xx, then exits 0.
Exits 1, naming the URLs that have not, when the time is up.

Options:
  --timeout SECONDS       how long to keep trying (default: ${DEFAULT_WAIT_SECONDS})
  --every MILLISECONDS    the pause between rounds (default: ${DEFAULT_EVERY_MS})
${TLS_HELP}
  -h, --help              show this help
`;

const TLS_FLAGS = { "--ca": "ca", "--cert": "cert", "--key": "key" };

export async function runHealthCommand(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(args, TLS_FLAGS);
  if (flags.help) {
    io.stdout(HEALTH_HELP);
    return EXIT.ok;
  }
  if (flags.positional.length > 1) throw new UsageError("health takes one URL");
  const tls = await trust(flags.values, io);
  const url = httpUrl(flags.positional[0] ?? (tls ? DEFAULT_HEALTH_URL_TLS : DEFAULT_HEALTH_URL));
  const answer = await io.httpGet(url, GET_TIMEOUT_MS, tls);
  if (answered2xx(answer)) {
    io.stdout(`${url} answered ${answer.status}\n`);
    return EXIT.ok;
  }
  io.stderr(`health: ${url} ${describe(answer)}\n`);
  return EXIT.invalid;
}

export async function runWaitCommand(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(args, { "--timeout": "timeout", "--every": "every", ...TLS_FLAGS });
  if (flags.help) {
    io.stdout(WAIT_HELP);
    return EXIT.ok;
  }
  if (!flags.positional.length) throw new UsageError("wait needs at least one URL");
  const urls = [...new Set(flags.positional.map(httpUrl))];
  const seconds = numberFlag("--timeout", flags.values.timeout, DEFAULT_WAIT_SECONDS, 0);
  const every = numberFlag("--every", flags.values.every, DEFAULT_EVERY_MS, 1);
  const tls = await trust(flags.values, io);
  // As PID 1 of a container it gets no default signal handling: stop on SIGTERM (docker stop) at once.
  const stopped = io.untilStopped().then((signal) => {
    io.stderr(`wait: ${signal}, stopping\n`);
    return signal === "SIGINT" ? 130 : 143;
  });
  return await Promise.race([poll(urls, seconds, every, io, tls), stopped]);
}

/** The CA (--ca, else $FLOWCTL_TLS_CA) and client certificate to use over https, read; none without a CA. */
async function trust(values: Record<string, string>, io: Io): Promise<HttpTls | undefined> {
  const ca = values.ca ?? io.env("FLOWCTL_TLS_CA");
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError("--cert and --key go together");
  if (values.cert !== undefined && !ca) throw new UsageError("--cert needs --ca (or FLOWCTL_TLS_CA)");
  return ca ? await readHttpTls({ ca, cert: values.cert, key: values.key }, io) : undefined;
}

/** GETs the URLs in rounds until each has answered 2xx once, or the time is up. */
async function poll(urls: string[], seconds: number, every: number, io: Io, tls?: HttpTls): Promise<number> {
  const start = Date.now();
  const deadline = start + seconds * 1000;
  const last = new Map<string, HttpAnswer>();
  let waiting = urls;
  for (;;) {
    const timeout = Math.min(GET_TIMEOUT_MS, Math.max(100, deadline - Date.now()));
    const answers = await Promise.all(waiting.map((url) => io.httpGet(url, timeout, tls)));
    waiting.forEach((url, i) => {
      last.set(url, answers[i]);
      if (answered2xx(answers[i])) {
        io.stdout(`${url} answered ${answers[i].status} after ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
      }
    });
    waiting = waiting.filter((url) => !answered2xx(last.get(url)!));
    if (!waiting.length) return EXIT.ok;
    const left = deadline - Date.now();
    if (left <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(every, left)));
  }
  io.stderr(
    `wait: no 2xx answer within ${seconds} s from ${waiting.map((url) => `${url} (${describe(last.get(url)!)})`).join(", ")}\n`,
  );
  return EXIT.invalid;
}

function answered2xx(answer: HttpAnswer): answer is { status: number } {
  return "status" in answer && answer.status >= 200 && answer.status < 300;
}

function describe(answer: HttpAnswer): string {
  return "status" in answer ? `answered ${answer.status}` : answer.error;
}

function httpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`not an http:// or https:// URL: ${JSON.stringify(text)}`);
  return text;
}

function numberFlag(flag: string, text: string | undefined, fallback: number, least: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n < least) throw new UsageError(`${flag} needs a number of at least ${least}, not ${JSON.stringify(text)}`);
  return n;
}
