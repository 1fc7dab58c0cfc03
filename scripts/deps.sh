#!/usr/bin/env bash
# Installs the Debian packages huddle needs, only those missing. Runs apt-get
# as root, or through sudo for a normal user. Idempotent and quiet when all
# is there.
set -euo pipefail
pkgs=(build-essential cmake pkg-config git curl python3 python3-yaml
      libzmq3-dev libczmq-dev libprotobuf-c-dev protobuf-c-compiler libuv1-dev
      libjansson-dev libyaml-dev libcurl4-openssl-dev libhttp-parser-dev
      libicu-dev libxml2-dev libvectorscan-dev libpq-dev uuid-dev libsodium-dev
      libssl-dev openssl
      postgresql postgresql-client postgresql-contrib
      clang libclang-rt-14-dev clang-format
      prometheus)  # promtool: tests/hostile/test_metrics.py checks every /metrics
[ "${HUDDLE_DEPS_EXTRA:-}" ] && pkgs+=($HUDDLE_DEPS_EXTRA)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have stale package lists; refresh once, then install.
$SUDO apt-get update -q >/dev/null || true
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
