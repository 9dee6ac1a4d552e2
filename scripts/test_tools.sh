#!/usr/bin/env bash
# Debian tools the tests use: validators for generated files (Graphviz's dot
# among them, for the graph's DOT), pre-commit for
# the hooks, chromium for the playground, and a Docker engine (docker.io's
# dockerd, busybox-static for small images) with the Compose v2 CLI plugin.
# Installs the missing ones with apt-get (the test machines are Debian, and we
# are root); prints nothing when everything is there.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

tools=(yamllint shellcheck pre-commit chromium dockerd dot)
declare -A package_of=([dockerd]=docker.io [dot]=graphviz)
missing=()
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || missing+=("${package_of[$tool]:-$tool}")
done
# The static busybox goes into images as it is: the dynamic one from "busybox" would not run there.
[[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1 || missing+=(busybox-static)
if ((${#missing[@]})); then
  echo "installing ${missing[*]} from Debian for the tests" >&2
  apt-get update -qq
  # Installing docker.io starts no daemon where services are not started (policy-rc.d, no systemd);
  # the tests run their own.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Compose v2: Debian 12 has only docker-compose 1.29, which refuses the top-level `name:` key. The next
# release's docker-compose package is v2 and works as a docker CLI plugin: it is downloaded with apt
# through a sources list of its own, so the system's apt sources, lists and cache are left as they are.
plugin=$root/.cache/docker/cli-plugins/docker-compose
if [[ ! -x $plugin ]]; then
  echo "fetching the Compose v2 CLI plugin (Debian trixie's docker-compose) into .cache/docker for the tests" >&2
  apt_dir=$root/.cache/apt-trixie
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/deb"
  # The Debian mirror apt already uses (deb822 or one-line sources), else Debian's own.
  mirror=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    head -1 | tr -d ' ' || true)
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror:-http://deb.debian.org/debian} trixie main" \
    >"$apt_dir/sources.list"
  private=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=- -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
  apt-get "${private[@]}" update -qq >/dev/null
  (cd "$apt_dir/deb" && apt-get "${private[@]}" download -qq docker-compose >/dev/null)
  rm -rf "$apt_dir/unpacked"
  dpkg-deb -x "$apt_dir"/deb/docker-compose_*.deb "$apt_dir/unpacked"
  mkdir -p "$(dirname "$plugin")"
  cp "$apt_dir/unpacked/usr/libexec/docker/cli-plugins/docker-compose" "$plugin.tmp"
  mv "$plugin.tmp" "$plugin"
  rm -rf "$apt_dir"
fi
