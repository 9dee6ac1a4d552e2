/** The help texts of flowctl and its commands. */
import type { GeneratorRegistry } from "../generators/generator.ts";
import { VERSION } from "../version.ts";

/** The control plane's TLS flags: the same under `controlplane` and `server`. */
const TLS_HELP = `TLS (the Go server's flags; the HTTP port then serves HTTPS):
  --tls-cert FILE           the server certificate (PEM); with --tls-key, serve TLS
  --tls-key FILE            its private key (PEM)
  --tls-ca-cert FILE        also require client certificates signed by this CA
                            (mutual TLS): a component may act only under the id in
                            its certificate, the operator's may list and deregister
  --tls-reload-interval DURATION
                            how often the files are read again, so a renewed
                            certificate is served without a restart (default: 10s)
  Certificates for a pipeline: flowctl tls certs -f FILE --out DIR
`;

export const HELP = {
  main: `flowctl ${VERSION}: compile pipeline files into deployable outputs

Usage:
  flowctl validate [--format text|json] FILE...
  flowctl validate -f BASE [-f OVERLAY...] [--set PATH=VALUE...]
  flowctl merge -f BASE [-f OVERLAY...] [--set PATH=VALUE...]
  flowctl translate -f FILE [-o TARGET] [--output-dir DIR [--check] | --to-file FILE]
                    [--prefix P] [--registry R] [--control-plane-image I] [--format text|json]
  flowctl graph -f FILE [--format mermaid|dot|svg] [-o FILE | --output-dir DIR]
  flowctl run [OPTIONS] FILE
  flowctl apply -f FILE [-o TARGET] [--dry-run] [--state-dir DIR] [--timeout 300]
  flowctl delete -f FILE [-o TARGET] [--volumes] [--dry-run]
  flowctl status -f FILE [-o TARGET] [--format text|json]
  flowctl controlplane [--port 8080] [--http-port 8081] [--db PATH | --in-memory]
  flowctl server [--port 8080] [--db-path PATH | --no-persistence]
  flowctl tls certs -f FILE [--out DIR]
  flowctl --version

Commands:
  validate    check pipeline files and report every problem
  merge       print the pipeline that overlays (-f BASE -f OVERLAY) and --set produce
  translate   generate the files of a target (default: spec.driver, else docker-compose)
  graph       draw the pipeline's graph: Mermaid, Graphviz DOT or SVG
  run         run a pipeline on this machine (the local target, without writing it out)
  apply       start or update a pipeline with its engine (docker compose, kubectl, nomad, or
              flowctl run in the background) and wait until it runs
  delete      stop and remove what apply started
  status      the engine's view of the pipeline, and the services its control plane knows
  controlplane
              serve the control plane that components register with
  server      the same, with the Go flowctl server's flag names
  tls         make a CA and certificates for a pipeline's mutual TLS

FILE may be - to read standard input. Every command that reads a pipeline takes overlays:
-f BASE -f OVERLAY... (later files win: maps merge, lists are replaced, components merge by
id, null deletes a key) and --set PATH=VALUE (last; e.g. processors.enrich.replicas=3).
Run 'flowctl COMMAND --help' for a command's options.
Exit codes: 0 ok, 1 invalid input, 2 usage error, 70 a bug in flowctl (please report it).
NO_COLOR turns colours off.
`,
  merge: `Usage: flowctl merge -f BASE [-f OVERLAY...] [--set PATH=VALUE...]

Prints, as YAML, the pipeline that the files and settings produce, before it is
checked: later files are laid over earlier ones (mappings merge, lists are
replaced, components of sources/processors/sinks merge by id, null deletes a
key), then each --set. Run validate with the same flags to check it.

Options:
  -f, --file FILE        a pipeline file (- for standard input), then overlays
  --set PATH=VALUE       a value laid over everything: keys from the top
                         (spec.controlPlane.port=9000), components by id, spec.
                         optional before them (processors.enrich.replicas=3);
                         VALUE is a YAML scalar; empty or null deletes the key
  -h, --help             show this help
`,
  graph: `Usage: flowctl graph -f FILE [-f OVERLAY...] [--set PATH=VALUE...]
                     [--format mermaid|dot|svg] [-o FILE | --output-dir DIR]

Draws each pipeline's graph, left to right: sources, processors and sinks as
boxes of their own shapes, each with its id and image (or command), and an
arrow from every input to the component that reads it. The pipeline is
checked first: an invalid one prints its diagnostics and exits 1.

Options:
  -f, --file FILE      the pipeline file (- for standard input); again for overlays
  --set PATH=VALUE     a value laid over the files (processors.enrich.replicas=3)
  --format FORMAT      mermaid (a flowchart for a Markdown mermaid block), dot (Graphviz)
                       or svg (a standalone picture); default: what -o's name ends
                       in (.svg, .dot, .gv, .mmd, .mermaid), else mermaid
  -o, --output FILE    write into FILE instead of standard output
  --output-dir DIR     write <pipeline>.<svg|dot|mmd> into DIR, one per pipeline
  --no-cache           check with CUE itself, not from its cached answers
  -h, --help           show this help

A file of several pipelines: mermaid and dot print one diagram after another,
each opening with a comment that names its pipeline; an SVG shows one, so give
--output-dir DIR for those.
`,
  validate: `Usage: flowctl validate [--format text|json] FILE...
       flowctl validate [--format text|json] -f BASE [-f OVERLAY...] [--set PATH=VALUE...]

Checks each pipeline file (YAML or JSON, - for standard input) and reports every
problem as file:line:col severity CODE: message (hint: ...).

Options:
  --format text|json   json prints {"diagnostics": [...]} on standard output
  --no-cache           check with CUE itself: no cached answer or run is read or kept
                       (FLOWCTL_NO_CACHE=1 does the same; the cache folder is
                       FLOWCTL_CACHE_DIR, else the platform's, e.g. ~/.cache/flowctl)
  -h, --help           show this help
`,
  run: `Usage: flowctl run [OPTIONS] FILE
       flowctl run [OPTIONS] -f BASE [-f OVERLAY...] [--set PATH=VALUE...]

Runs a pipeline on this machine, as the local target's run.sh would, without
writing it out: the control plane runs inside this process, then each
component starts in order (commands as processes, images with docker run).
Output goes to the terminal as [component] lines and to LOG-DIR/<component>.log.
Ctrl-C or SIGTERM stops everything in reverse order.

Options:
  --log-dir DIR     where the logs go (default: logs)
  --state-dir DIR   the control plane's store (default: .flowctl)
  --in-memory       keep no control-plane store
  --env-file FILE   NAME=VALUE lines put in run.sh's environment (the secrets the pipeline
                    reads: env values written {secret: NAME, key: KEY}); may be repeated
  -h, --help        show this help
  Options of the local target (see flowctl translate --help) apply too.
`,
  controlplane: `Usage: flowctl controlplane [OPTIONS]

Serves the control plane: components register and heartbeat over gRPC
(flowctl.v1.ControlPlaneService and the older flowctl.ControlPlane), and
operators read /health, /metrics (Prometheus) and /api/services over HTTP.
Registrations and pipeline runs are kept in a file and survive a restart.
Stops on Ctrl-C or SIGTERM.

Options:
  --address ADDR            listen address (default: 0.0.0.0)
  --port PORT               gRPC port, 0 for any free one (default: 8080)
  --http-port PORT|off      HTTP port for operators (default: 8081)
  --heartbeat-ttl DURATION  silence after which a component is unhealthy (default: 30s)
  --janitor-interval DURATION
                            how often silence is checked (default: 10s, or a
                            third of the TTL when that is shorter)
  --db PATH                 the store's file (default: ~/.flowctl/registry.db)
  --in-memory               keep nothing across restarts
  --advertise HOST:PORT     the address told to components (default: ADDR:PORT)
  -h, --help                show this help

${TLS_HELP}
Also:
  flowctl controlplane image build [--tag IMAGE] [--push]   build its image with docker
  flowctl controlplane health [URL]     one GET of URL (default: its /health on 8081)
  flowctl controlplane wait URL... [--timeout SECONDS] [--every MILLISECONDS]
                                        GET the URLs until every one answers 2xx
`,
  tls: `Usage: flowctl tls certs -f FILE [-f OVERLAY...] [--set PATH=VALUE...] [OPTIONS]

Makes what a pipeline's mutual TLS needs (spec.controlPlane.tls), on this
machine: a CA, the control plane's server certificate, an operator's client
certificate and one per component, each naming its identity as
spiffe://flowctl/component/<id> (or spiffe://flowctl/operator). Keys are ECDSA
P-256, written readable by their owner only. A CA already in DIR is used
again; certificates already there are kept.

Options:
  --out DIR          where to write (default: spec.controlPlane.tls.dir beside the
                     pipeline file, else tls/)
  --days N           how long the certificates are valid (default: 365; the CA: 1825)
  --renew            issue every certificate again (not the CA)
  --namespace NS     also name the control plane's Kubernetes Service in NS
                     (the pipeline's namespace, else default, is always named)
  --name NAME        another DNS name or IP address for the control plane
  -h, --help         show this help

Files: ca.pem, ca-key.pem (keep it private; nothing deployed needs it),
control-plane.pem, control-plane-key.pem, operator.pem, operator-key.pem,
components/<id>.pem, components/<id>-key.pem
`,
  server: `Usage: flowctl server [OPTIONS]

The control plane of flowctl controlplane, under the Go flowctl server's
command and flag names. Components register and heartbeat over gRPC;
operators read /health, /metrics and /api/services over HTTP. Stops on
Ctrl-C or SIGTERM.

Options:
  --address ADDR            listen address (default: 0.0.0.0)
  --port PORT               gRPC port, 0 for any free one (default: 8080)
  --heartbeat-ttl DURATION  silence after which a component is unhealthy (default: 30s)
  --janitor-interval DURATION
                            how often silence is checked (default: 10s, or a
                            third of the TTL when that is shorter)
  --db-path PATH            the store's file, SQLite (default: ~/.flowctl/registry.db;
                            the Go server's BoltDB file is not read, and is refused
                            if named here)
  --no-persistence          keep nothing across restarts
  --http-port PORT|off      HTTP port for operators (default: 8081; the Go server has none)
  --advertise HOST:PORT     the address told to components (default: ADDR:PORT)
  -h, --help                show this help

${TLS_HELP}`,
};

export function translateHelp(registry: GeneratorRegistry): string {
  const lines = [
    "Usage: flowctl translate -f FILE [-o TARGET[,TARGET...]|all] [--output-dir DIR [--check] | --to-file FILE]",
    "                         [--prefix P] [--registry R] [--control-plane-image I] [--format text|json]",
    "                         [TARGET OPTIONS]",
    "",
    "Generates a target's files from a pipeline file. By default the output is printed on",
    "standard output (Kubernetes objects as one multi-document stream); --to-file writes the",
    "same into FILE; --output-dir writes the files into DIR (DIR/<target>/ for several",
    "targets). Nothing is written when there are errors.",
    "",
    "Options:",
    "  -f, --file FILE         the pipeline file (- for standard input); again for overlays,",
    "                          laid over it in order (flowctl merge --help says how)",
    "  --set PATH=VALUE        a value laid over the files (processors.enrich.replicas=3)",
    `  -o, --output TARGET     ${registry.names().join(", ")}, an alias such as k8s,`,
    "                          a comma-separated list, or all (default: spec.driver, else",
    "                          docker-compose)",
    "  -t, --target TARGET     the same as -o",
    "  --output-dir DIR        write the files into DIR",
    "  --to-file FILE          write the output into FILE instead of standard output",
    "  --check                 with --output-dir: write nothing; compare DIR with what would be",
    "                          written, print a unified diff, exit 1 when files are missing,",
    "                          changed or extra",
    "  --prefix P              start the names of what the output creates with P- (below)",
    "  --registry R            take images named without a '/' (postgres:16) from R: R/IMAGE",
    "  --control-plane-image I the control plane's image, instead of spec.controlPlane.image",
    "                          (e.g. flowctl's, pushed to your registry: R/flowctl/control-plane:TAG)",
    '  --format text|json      json prints {"diagnostics", "targets": [{"target", "files", "diagnostics"}]}',
    "  --no-cache              check with CUE itself, not from its cached answers",
    "  -h, --help              show this help",
    "",
    "What --prefix changes:",
  ];
  for (const name of registry.names()) {
    const how = registry.get(name)!.prefix;
    lines.push(`  ${name.padEnd(16)}${how === undefined ? "nothing: this target takes no prefix" : how.replaceAll("`", "")}`);
  }
  for (const name of registry.names()) {
    const g = registry.get(name)!;
    if (!g.options?.length) continue;
    lines.push("", `Options of target ${name}:`);
    for (const o of g.options) {
      const flag = `  --${o.name}${o.type === "boolean" ? "" : o.choices ? ` ${o.choices.join("|")}` : ` ${o.type.toUpperCase()}`}`;
      const fallback = o.default !== undefined && o.type !== "boolean" ? ` (default: ${o.default})` : "";
      lines.push(`${flag.padEnd(31)} ${o.description}${fallback}`);
    }
  }
  return lines.join("\n") + "\n";
}

const DEPLOY_COMMON = `  -f, --file FILE      the pipeline file (- for standard input; not with -o local);
                       again for overlays (flowctl merge --help)
  --set PATH=VALUE     a value laid over the files (processors.enrich.replicas=3)
  -o, --output TARGET  docker-compose, kubernetes, nomad or local, or an alias such as k8s
                       (default: spec.driver, else docker-compose); -t is the same
  --state-dir DIR      where the files handed to the engine are kept, as
                       DIR/<target>/<pipeline>/ (default: .flowctl)
  --prefix P           start the names of what is created with P- (see translate --help)
  --registry R         take images named without a '/' from R
  --control-plane-image IMAGE
                       the control plane's image, instead of spec.controlPlane.image
  -h, --help           show this help
  Target options (see flowctl translate --help) apply as in translate.`;

const ENGINES = `Engines: docker-compose runs docker compose (Compose v2, 2.17 or later); kubernetes
runs kubectl against its current context; nomad runs the nomad CLI (NOMAD_ADDR);
local runs flowctl run in the background, its pid, output and logs under
DIR/local/<pipeline>/run/.`;

export const DEPLOY_HELP = {
  apply: `Usage: flowctl apply -f FILE [-o TARGET] [OPTIONS]

Translates the pipeline for one target, writes the files into its state folder,
and hands them to the engine you already use, which starts the pipeline or
brings it up to date; then waits until it runs (health checks passed, rollouts
available, the job's deployment done). Checks first that the engine is there
and new enough. flowctl's control-plane image is built when the engine lacks it.
A failed step is reported with its command and the engine's words; exit 1.

Options:
  --dry-run            print the commands, check nothing, write and start nothing
  --timeout TIME       how long to wait until it runs (default: 300 seconds; 90s, 5m)
${DEPLOY_COMMON}

${ENGINES}
`,
  delete: `Usage: flowctl delete -f FILE [-o TARGET] [OPTIONS]

Stops and removes what flowctl apply started for the pipeline: its containers
and network, its Deployments and Services, or its Nomad job. Volumes and
claims, and the data in them, are kept unless --volumes is given.

Options:
  --volumes            also remove the volumes (docker) or claims (kubernetes)
  --dry-run            print the commands, run nothing
${DEPLOY_COMMON}

${ENGINES}
`,
  status: `Usage: flowctl status -f FILE [-o TARGET] [OPTIONS]

Shows what runs of the pipeline: the engine's own view (docker compose ps,
kubectl get, nomad job status), then the services registered with its control
plane, from the control plane's /api/services. Exit 1 when the engine cannot
say (not started, or not reachable).

Options:
  --format text|json   json prints {"target", "pipeline", "engine", "controlPlane"}
${DEPLOY_COMMON}

${ENGINES}
`,
};
