#!/usr/bin/env bash
# Debian packages the test suite needs beyond Node.js: the independent Python
# protocol client (grpcio, PyNaCl, protobuf + protoc), iproute2 for the
# network-namespace tests, and Debian's Chromium with fonts for Traditional
# Chinese for the Playwright end-to-end tests (Playwright never downloads a
# browser). Run as root (CI is root); uses sudo otherwise.
set -euo pipefail
packages=(python3 python3-grpcio python3-nacl python3-protobuf protobuf-compiler iproute2 chromium fonts-noto-cjk)
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
run apt-get update -q
run apt-get install -y -q --no-install-recommends "${packages[@]}"
