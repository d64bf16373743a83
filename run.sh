#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh: apt packages, restore, Release build) and starts the whole system through
# Ticketing.AppHost on Aspire: the dashboard (http://127.0.0.1:18888; its sign-in URL is printed below), Postgres, Redis,
# the Kafka dev broker, QueueWorker, Api and Web. Ctrl+C stops everything. Settings: any Ticketing__* variable is passed on, e.g.
#   Ticketing__Holds__Duration=00:00:30 ./run.sh
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh
exec dotnet run --project src/Ticketing.AppHost -c Release --no-build --launch-profile http -- "$@"
