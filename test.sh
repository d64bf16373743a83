#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh: apt packages, restore, Release build) and runs every test:
# the unit tests, then the integration tests, which start the AppHost's own model (Postgres, Redis, Kafka mock broker,
# Api, QueueWorker, Web processes on free 127.0.0.1 ports) and stop it at the end, and drive the Web in chromium.
#   ./test.sh                                  # everything
#   ./test.sh --filter "FullyQualifiedName~Admission"   # extra arguments go to dotnet test
set -euo pipefail
cd "$(dirname "$0")"

# The browser tests (tests/Ticketing.IntegrationTests/Browser) drive Debian's chromium through Playwright; no browser download.
SETUP_EXTRA_PACKAGES="chromium fonts-dejavu-core ${SETUP_EXTRA_PACKAGES:-}" ./scripts/setup.sh

start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for project in tests/Ticketing.UnitTests tests/Ticketing.IntegrationTests; do
  echo "==> dotnet test $project"
  if ! dotnet test "$project" -c Release --no-build --nologo \
    --logger "console;verbosity=normal" --blame-hang-timeout 10m "$@" 2>&1 | tee "$log"; then
    # A long run's failure scrolls far above its last lines; repeat each failed test with its message
    # and stack at the very end, where a CI log's tail shows it.
    echo "==> FAILED in $project after $((SECONDS - start)) s:"
    awk '/^  Failed /{p=1; n=0} p{print; if (++n >= 60) p=0} /^  Passed /{p=0}' "$log"
    exit 1
  fi
done
echo "==> all tests passed in $((SECONDS - start)) s"
