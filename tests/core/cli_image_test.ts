/**
 * `flowctl controlplane image build` against a docker that is a function:
 * the calls it makes, the build context it sends (read back as tar), and
 * every way it can fail, each with a clear message and exit 1.
 */
import assert from "node:assert/strict";
import { CONTROL_PLANE_DOCKERFILE } from "../../cli/control_plane_dockerfile.ts";
import { baseImage, buildContext } from "../../cli/image.ts";
import type { ExecOptions, ExecResult } from "../../cli/io.ts";
import { tarArchive } from "../../cli/tar.ts";
import { CONTROL_PLANE_DEFAULTS } from "../../compiler/format.ts";
import { ROOT } from "../support/helpers.ts";
import { runCli } from "../support/memory_io.ts";

interface Call {
  argv: readonly string[];
  stdin?: Uint8Array;
}

/** A docker that answers each subcommand as `answers` says (default: success) and records its calls. */
function fakeDocker(answers: Record<string, Partial<ExecResult>> = {}) {
  const calls: Call[] = [];
  const exec = (argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> => {
    calls.push({ argv, stdin: options.stdin });
    const fallback: Partial<ExecResult> = argv[1] === "version"
      ? { stdout: "20.10.24\n" }
      : argv[1] === "image"
      ? { stdout: "99400000\n" }
      : { stdout: "Successfully built\n" };
    return Promise.resolve({ code: 0, stdout: "", stderr: "", ...(answers[argv[1]] ?? fallback) });
  };
  return { calls, exec };
}

/** The entries of a tar archive, checking each header's checksum. */
function readTar(bytes: Uint8Array): { name: string; type: string; mode: number; content: Uint8Array }[] {
  const entries = [];
  const text = (from: number, length: number) => new TextDecoder().decode(bytes.subarray(from, from + length)).replace(/\0.*$/s, "");
  for (let at = 0; at + 512 <= bytes.length;) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const sum = header.reduce((total, b, i) => total + (i >= 148 && i < 156 ? 32 : b), 0);
    assert.equal(parseInt(text(at + 148, 8), 8), sum, "header checksum");
    assert.equal(text(at + 257, 6), "ustar");
    const size = parseInt(text(at + 124, 12), 8);
    entries.push({
      name: text(at, 100),
      type: text(at + 156, 1),
      mode: parseInt(text(at + 100, 8), 8),
      content: bytes.slice(at + 512, at + 512 + size),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

Deno.test("image build: version check, docker build - with the context on stdin, the size; default tag is the generators' image", async () => {
  const docker = fakeDocker();
  const r = await runCli(["controlplane", "image", "build"], {}, "", undefined, { exec: docker.exec });
  assert.equal(r.code, 0, r.stderr);
  const tag = CONTROL_PLANE_DEFAULTS.image;
  assert.deepEqual(docker.calls.map((c) => c.argv), [
    ["docker", "version", "--format", "{{.Server.Version}}"],
    ["docker", "build", "--tag", tag, "-"],
    ["docker", "image", "inspect", "--format", "{{.Size}}", tag],
  ]);
  assert.equal(r.stdout, `built ${tag} (99.4 MB)\n`);
  assert.match(r.stderr, new RegExp(`building ${tag} from denoland/deno:distroless-`));
  // The context: the Dockerfile as committed, the bundled program as dist/ holds it, an empty data/ folder.
  const entries = readTar(docker.calls[1].stdin!);
  assert.deepEqual(entries.map((e) => [e.name, e.type]), [["Dockerfile", "0"], ["control-plane.js", "0"], ["data/", "5"]]);
  assert.equal(new TextDecoder().decode(entries[0].content), await Deno.readTextFile(new URL("controlplane/Dockerfile", ROOT)));
  assert.deepEqual(entries[1].content, await Deno.readFile(new URL("dist/control-plane.js", ROOT)));
  assert.equal(entries[2].mode, 0o700);
});

Deno.test("image build --tag T --push: builds T, then pushes it", async () => {
  const docker = fakeDocker();
  const r = await runCli(["controlplane", "image", "build", "--tag", "registry.example:5000/cp:1", "--push"], {}, "", undefined, {
    exec: docker.exec,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(docker.calls.map((c) => c.argv.slice(1, 3)), [["version", "--format"], ["build", "--tag"], ["image", "inspect"], [
    "push",
    "registry.example:5000/cp:1",
  ]]);
  assert.equal(r.stdout, "built registry.example:5000/cp:1 (99.4 MB)\npushed registry.example:5000/cp:1\n");
});

Deno.test("image build: no docker, no engine, a failed build or push: exit 1 with docker's own words", async () => {
  const cases: [Record<string, Partial<ExecResult>>, RegExp][] = [
    [{ version: { code: 127, notStarted: "Failed to spawn 'docker': entity not found" } }, /cannot run docker \(Failed to spawn 'docker': entity not found\): .*install it/],
    [
      { version: { code: 1, stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n" } },
      /docker cannot reach a Docker engine:\nCannot connect to the Docker daemon at unix:\/\/\/var\/run\/docker\.sock/,
    ],
    [
      { build: { code: 1, stdout: "Step 1/9 : FROM denoland/deno:distroless-2.9.6\n", stderr: "pull access denied for denoland/deno\n" } },
      /docker build failed \(exit 1\):\nStep 1\/9 : FROM denoland\/deno:distroless-2\.9\.6\npull access denied for denoland\/deno/,
    ],
    [{ push: { code: 1, stderr: "denied: requested access to the resource is denied\n" } }, /docker push failed \(exit 1\):\ndenied: requested access/],
  ];
  for (const [answers, message] of cases) {
    const r = await runCli(["controlplane", "image", "build", "--push"], {}, "", undefined, { exec: fakeDocker(answers).exec });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});

Deno.test("image build: a flowctl without control-plane.js says so, and builds nothing", async () => {
  const docker = fakeDocker();
  const r = await runCli(["controlplane", "image", "build"], {}, "", undefined, {
    exec: docker.exec,
    readOwnFile: (name) => Promise.reject(new Error(`No such file: ${name}`)),
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /carries no control-plane\.js .*No such file: control-plane\.js.*deno task bundle/);
  assert.deepEqual(docker.calls.map((c) => c.argv[1]), ["version"]);
});

Deno.test("image: usage errors exit 2; --help shows the command", async () => {
  for (const args of [["image"], ["image", "push"], ["image", "build", "extra"], ["image", "build", "--tag"], ["image", "build", "--frob"]]) {
    const r = await runCli(["controlplane", ...args], {}, "", undefined, { exec: fakeDocker().exec });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
  }
  const help = await runCli(["controlplane", "image", "build", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: flowctl controlplane image build \[--tag IMAGE\] \[--push\]/);
});

Deno.test("image: the Dockerfile builds on the Deno the bundle is made and tested with, and copies what the context holds", async () => {
  const pkg = JSON.parse(await Deno.readTextFile(new URL("package.json", ROOT)));
  assert.equal(baseImage(), `denoland/deno:distroless-${pkg.optionalDependencies.deno}`);
  assert.match(CONTROL_PLANE_DOCKERFILE, /^COPY control-plane\.js \/app\/control-plane\.js$/m);
  assert.match(CONTROL_PLANE_DOCKERFILE, /^COPY --chown=nonroot:nonroot data\/ \/var\/lib\/flowctl\/$/m);
  assert.doesNotMatch(CONTROL_PLANE_DOCKERFILE, /^RUN /m, "a build step that runs something would need the network or a shell");
});

Deno.test("tar: the same files give the same bytes; names are checked", () => {
  const files = [{ name: "a.txt", bytes: new TextEncoder().encode("x".repeat(700)) }, { name: "d/", mode: 0o700 }];
  const first = tarArchive(files);
  assert.deepEqual(tarArchive(files), first);
  assert.equal(first.length, 512 + 1024 + 512 + 1024);
  assert.deepEqual(readTar(first).map((e) => [e.name, e.content.length, e.mode]), [["a.txt", 700, 0o644], ["d/", 0, 0o700]]);
  assert.throws(() => tarArchive([{ name: "/etc/passwd", bytes: new Uint8Array() }]), /relative/);
  assert.throws(() => tarArchive([{ name: "x".repeat(101), bytes: new Uint8Array() }]), /100 bytes/);
  assert.equal(readTar(buildContext(new Uint8Array([1, 2, 3])))[1].content.length, 3);
});
