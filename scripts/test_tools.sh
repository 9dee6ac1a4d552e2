#!/usr/bin/env bash
# Debian tools the tests use: validators for generated files, pre-commit for
# the hooks, chromium for the playground. Installs the
# missing ones with apt-get (the test machines are Debian, and we are root).
set -euo pipefail
tools=(yamllint shellcheck pre-commit chromium)
missing=()
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]} from Debian for the tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
