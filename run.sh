#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh: apt packages, restore, Release build) and starts the whole
# system through Ticketing.AppHost: Postgres, Redis, the Kafka mock broker, Api, QueueWorker and Web.
# Ctrl+C stops everything in reverse order. Settings: any Ticketing__* variable is passed on, e.g.
#   Ticketing__Holds__Duration=00:00:30 ./run.sh
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh
exec dotnet src/Ticketing.AppHost/bin/Release/net10.0/Ticketing.AppHost.dll "$@"
