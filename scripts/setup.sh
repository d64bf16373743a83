#!/usr/bin/env bash
# Installs what the system needs on a fresh Debian machine (only what is missing), then restores and
# builds the solution. Idempotent: a second run installs nothing and builds incrementally.
#   scripts/setup.sh            # Release build (what run.sh and test.sh use)
#   CONFIGURATION=Debug scripts/setup.sh
#   SETUP_EXTRA_PACKAGES="wrk" scripts/setup.sh   # more apt packages (bench.sh needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIGURATION="${CONFIGURATION:-Release}"
packages=(postgresql redis-server redis-tools jq)
read -r -a extra <<<"${SETUP_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # Debian's postgresql and redis packages try to start system services; this project runs its own
  # servers on its own ports, so service start-up is suppressed during the install.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    added_policy=1
  fi
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  ((added_policy)) && "${sudo_cmd[@]}" rm -f "$policy"
else
  echo "==> apt: ${packages[*]} already installed"
fi

# Node.js and npm run the OpenAPI linter (tools/openapi, Redocly CLI) that the tests apply to the Api's document. Debian's
# packages when there is no npm at all; a Node.js that brings its own npm (e.g. NodeSource's) is used as it is.
if ! command -v npm >/dev/null; then
  echo "==> apt: installing nodejs npm"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
node_version=$(node --version 2>/dev/null || echo v0)
IFS=. read -r node_major node_minor _ <<<"${node_version#v}"
if ((node_major < 20 || (node_major == 20 && node_minor < 19))); then
  echo "warning: Node.js $node_version is older than the 20.19 Redocly CLI needs: the OpenAPI lint test will fail (the app itself does not need Node.js)" >&2
fi
# Installed again only when the lock file changed since the last install (a copy of it is kept in node_modules).
if ! cmp -s tools/openapi/package-lock.json tools/openapi/node_modules/.installed-lock.json; then
  echo "==> npm ci (tools/openapi: the OpenAPI linter)"
  npm ci --prefix tools/openapi --no-audit --no-fund --loglevel=error
  cp tools/openapi/package-lock.json tools/openapi/node_modules/.installed-lock.json
fi

command -v dotnet >/dev/null || { echo "error: the .NET SDK (dotnet) is not on PATH; see README" >&2; exit 1; }

echo "==> dotnet build ($CONFIGURATION)"
dotnet build Ticketing.sln -c "$CONFIGURATION" -nologo -v q -clp:NoSummary
