/**
 * A Docker engine of the tests' own: a private dockerd (Debian's docker.io)
 * with its own data, exec root, pid file, socket and containerd namespace
 * under a temp folder, no iptables rules, no NAT and no default bridge, so it
 * touches nothing of the machine's and leaves nothing behind. Images come
 * from `docker import` of root filesystems made here (busybox-static; the
 * Deno binary with the libraries `ldd` lists), so no registry is needed.
 * scripts/test_tools.sh installs dockerd and busybox-static and fetches the
 * Compose v2 CLI plugin into .cache/docker.
 */
import { exec, type Exec, ROOT } from "./helpers.ts";

export interface Engine {
  /** DOCKER_HOST, DOCKER_CONFIG (holding the Compose v2 plugin) and DOCKER_BUILDKIT=0 (the legacy builder). */
  env: Record<string, string>;
  /** Its folder: anything a test writes for the engine may go in here. */
  dir: string;
  /** `docker ARGS` against this engine. */
  docker(args: string[], options?: { stdin?: string; cwd?: string; env?: Record<string, string> }): Promise<Exec>;
  /** Like docker(), but throws with docker's output when it fails. */
  must(args: string[], options?: { stdin?: string; cwd?: string; env?: Record<string, string> }): Promise<Exec>;
  /**
   * Removes every container and network, stops dockerd and its containerd,
   * and removes its folder. Answers what it found left behind (processes,
   * mounts, network interfaces, iptables rules): nothing, when all is well.
   */
  stop(): Promise<string[]>;
}

const COMPOSE_PLUGIN = new URL(".cache/docker/cli-plugins/docker-compose", ROOT).pathname;
const BUSYBOX = "/bin/busybox";

function onPath(program: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${program}`).isFile) return `${dir}/${program}`;
    } catch { /* not here */ }
  }
  return undefined;
}

/** The Deno binary the base image gets: the pinned one from node_modules, else this one. */
export function denoBinary(): string {
  const pinned = new URL("node_modules/deno/deno", ROOT).pathname;
  try {
    return Deno.realPathSync(pinned);
  } catch {
    return Deno.execPath();
  }
}

/** Why no engine can start here, or undefined when one can. */
export function engineUnavailable(): string | undefined {
  if (Deno.build.os !== "linux") return "a Docker engine needs Linux";
  if (Deno.uid() !== 0) return "dockerd needs root";
  for (const program of ["dockerd", "docker", "ldd", "tar", "ip"]) {
    if (!onPath(program)) return `no ${program} on PATH (scripts/test_tools.sh installs Debian's docker.io)`;
  }
  try {
    Deno.statSync(BUSYBOX);
  } catch {
    return `no ${BUSYBOX} (scripts/test_tools.sh installs busybox-static)`;
  }
  try {
    Deno.statSync(COMPOSE_PLUGIN);
  } catch {
    return "no Compose v2 plugin in .cache/docker (scripts/test_tools.sh fetches it)";
  }
  return undefined;
}

/** A /16 of 10.x for the engine's networks that no route of this machine uses (another engine's included). */
async function freeAddressPool(): Promise<string> {
  const routes = (await exec("ip", ["route"])).stdout;
  const taken = new Set([...routes.matchAll(/^10\.(\d+)\./gm)].map((m) => Number(m[1])));
  const free = Array.from({ length: 50 }, (_, i) => 200 + i).filter((n) => !taken.has(n));
  if (!free.length) throw new Error("no free 10.200-249.0.0/16 for the engine's networks");
  return `base=10.${free[Math.floor(Math.random() * free.length)]}.0.0/16,size=24`;
}

async function iptablesRules(): Promise<string> {
  if (!onPath("iptables")) return "";
  const tables = await Promise.all(["filter", "nat"].map((t) => exec("iptables", ["-t", t, "-S"])));
  return tables.map((t) => t.stdout).join("");
}

/** Starts a private dockerd; throws with its log when it does not come up. */
export async function startEngine(): Promise<Engine> {
  const dir = await Deno.makeTempDir({ prefix: "flowctl-engine-" });
  const name = dir.slice(dir.lastIndexOf("/") + 1);
  const socket = `${dir}/docker.sock`;
  await Deno.mkdir(`${dir}/config/cli-plugins`, { recursive: true });
  await Deno.symlink(COMPOSE_PLUGIN, `${dir}/config/cli-plugins/docker-compose`);
  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: `${dir}/config`, DOCKER_BUILDKIT: "0" };
  const rulesBefore = await iptablesRules();
  const args = [
    `--data-root=${dir}/data`,
    `--exec-root=${dir}/exec`,
    `--pidfile=${dir}/docker.pid`,
    `--host=unix://${socket}`,
    `--containerd-namespace=${name}`,
    `--containerd-plugins-namespace=${name}-plugins`,
    "--iptables=false",
    "--ip-masq=false",
    "--bridge=none",
    `--default-address-pool=${await freeAddressPool()}`,
  ];
  // exec: the child is dockerd itself, so its pid is the one to stop.
  const daemon = new Deno.Command("bash", {
    args: ["-c", `exec dockerd "$@" >"${dir}/dockerd.log" 2>&1`, "dockerd", ...args],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  daemon.status.then(() => exited = true);

  const docker = (cmd: string[], options: { stdin?: string; cwd?: string; env?: Record<string, string> } = {}) =>
    exec("docker", cmd, { ...options, env: { ...env, ...options.env } });
  const must = async (cmd: string[], options: { stdin?: string; cwd?: string; env?: Record<string, string> } = {}) => {
    const r = await docker(cmd, options);
    if (r.code !== 0) throw new Error(`docker ${cmd.join(" ")} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    return r;
  };
  const networks = new Set<string>();

  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    if (!exited) {
      const containers = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
      if (containers.length) await docker(["rm", "-f", "-v", ...containers]);
      for (const id of (await docker(["network", "ls", "-q", "--filter", "type=custom"])).stdout.split("\n").filter(Boolean)) {
        const full = (await docker(["network", "inspect", "-f", "{{.Id}}", id])).stdout.trim();
        networks.add(`br-${full.slice(0, 12)}`);
        await docker(["network", "rm", id]);
      }
      daemon.kill("SIGTERM");
      const timer = setTimeout(() => {
        problems.push("dockerd took more than 30 s to stop: killed");
        daemon.kill("SIGKILL");
      }, 30_000);
      await daemon.status;
      clearTimeout(timer);
    }
    // What dockerd should have taken with it: its containerd and shims, mounts, bridges, rules.
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(e.name)) continue;
      const cmdline = await Deno.readTextFile(`/proc/${e.name}/cmdline`).catch(() => "");
      if (cmdline.includes(dir) || cmdline.includes(name)) {
        problems.push(`process ${e.name} left running: ${cmdline.replaceAll("\0", " ").trim()}`);
        try {
          Deno.kill(Number(e.name), "SIGKILL");
        } catch { /* gone already */ }
      }
    }
    // dockerd leaves the host's network namespace mounted in its exec root, on purpose: it is ours to undo.
    const mounts = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
      .map((line) => line.split(" ")[4]).filter((point) => point?.startsWith(dir));
    for (const point of mounts.reverse()) {
      if (point !== `${dir}/exec/netns/default`) problems.push(`mount left: ${point}`);
      const r = await exec("umount", [point]);
      if (r.code !== 0) problems.push(`cannot unmount ${point}: ${r.stderr.trim()}`);
    }
    const links = (await exec("ip", ["-o", "link"])).stdout;
    for (const bridge of networks) {
      if (links.includes(`${bridge}:`) || links.includes(`${bridge}@`)) {
        problems.push(`network interface left: ${bridge}`);
        await exec("ip", ["link", "delete", bridge]);
      }
    }
    if ((await iptablesRules()) !== rulesBefore) problems.push("iptables rules changed");
    await Deno.remove(dir, { recursive: true });
    return problems;
  };

  const deadline = Date.now() + 30_000;
  while ((await docker(["version", "--format", "{{.Server.Version}}"])).code !== 0) {
    if (exited || Date.now() > deadline) {
      const log = await Deno.readTextFile(`${dir}/dockerd.log`).catch(() => "");
      await stop();
      throw new Error(`dockerd did not start${exited ? "" : " within 30 s"}:\n${log.split("\n").slice(-20).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { env, dir, docker, must, stop };
}

/** Imports a root filesystem (a folder) as an image. */
async function importFolder(engine: Engine, folder: string, tag: string, changes: string[]): Promise<void> {
  const r = await exec("bash", [
    "-c",
    'tar -C "$1" -c . | docker import "${@:3}" - "$2"',
    "import",
    folder,
    tag,
    ...changes.flatMap((c) => ["--change", c]),
  ], { env: engine.env });
  if (r.code !== 0) throw new Error(`docker import ${tag} failed:\n${r.stderr}`);
}

const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
  "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
const GROUP = "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n";

async function baseFolder(engine: Engine, name: string): Promise<string> {
  const root = `${engine.dir}/rootfs-${name}`;
  await Deno.mkdir(`${root}/etc`, { recursive: true });
  await Deno.mkdir(`${root}/bin`, { recursive: true });
  await Deno.mkdir(`${root}/tmp`, { mode: 0o1777 });
  await Deno.chmod(`${root}/tmp`, 0o1777);
  await Deno.writeTextFile(`${root}/etc/passwd`, PASSWD);
  await Deno.writeTextFile(`${root}/etc/group`, GROUP);
  return root;
}

/** busybox-static with a link for each of its programs in /bin: a base for small component images. */
export async function importBusybox(engine: Engine, tag: string): Promise<void> {
  const root = await baseFolder(engine, "busybox");
  await Deno.copyFile(BUSYBOX, `${root}/bin/busybox`);
  for (const program of (await exec(BUSYBOX, ["--list"])).stdout.split("\n").filter(Boolean)) {
    if (program !== "busybox") await Deno.symlink("busybox", `${root}/bin/${program}`);
  }
  await importFolder(engine, root, tag, ['CMD ["sh"]']);
  await Deno.remove(root, { recursive: true });
}

/**
 * A stand-in for the Deno base image the control-plane Dockerfile names: as
 * it is, a distroless image with /bin/deno, the nonroot user (65532), /tmp
 * and DENO_DIR=/deno-dir/; here with only the libraries deno needs.
 */
export async function importDenoBase(engine: Engine, tag: string): Promise<void> {
  const root = await baseFolder(engine, "deno");
  const deno = denoBinary();
  await Deno.copyFile(deno, `${root}/bin/deno`);
  const libraries = [...(await exec("ldd", [deno])).stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]);
  if (!libraries.some((l) => l.includes("libc.so"))) throw new Error(`ldd ${deno} lists no libc`);
  for (const library of libraries) {
    await Deno.mkdir(`${root}${library.slice(0, library.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(library, `${root}${library}`); // follows the link: the library itself
  }
  await importFolder(engine, root, tag, ["ENV DENO_DIR=/deno-dir/", 'ENTRYPOINT ["/bin/deno"]']);
  await Deno.remove(root, { recursive: true });
}
