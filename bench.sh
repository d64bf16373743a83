#!/usr/bin/env bash
# The load command: starts the whole system (through Ticketing.AppHost, with crowd settings, on its own ports and a
# throw-away data folder), measures this machine's two ceilings in the same run (redis-benchmark SET NX PX on the
# system's Redis; a Kestrel hello-world JSON endpoint), drives the crowd paths with wrk, prints a table of throughput,
# latency percentiles, status counts and ratios to the ceilings, writes the same as JSON to bench/results/, and checks
# afterwards that no seat was sold twice and that every point is accounted for. Bounded: every load step runs for
# BENCH_SECONDS (default 15) with BENCH_CONNECTIONS (default 50) connections; the whole run takes about 3 minutes.
#   ./bench.sh
#   BENCH_SECONDS=5 ./bench.sh          # a quick look
# Speed is measured here, never in ./test.sh. Load goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_STEP="${BENCH_SECONDS:-15}"
CONNECTIONS="${BENCH_CONNECTIONS:-50}"
USERS="${BENCH_USERS:-50}"
PORT_BASE="${BENCH_PORT_BASE:-24100}" # below Linux's ephemeral range (32768-60999), like the system's own ports

SETUP_EXTRA_PACKAGES="wrk bsdextrautils" ./scripts/setup.sh # bsdextrautils: column(1) for the table
echo "==> dotnet build bench/Ticketing.Bench.HelloWorld"
dotnet build bench/Ticketing.Bench.HelloWorld -c Release -nologo -v q -clp:NoSummary

work=$(mktemp -d /var/tmp/ticketing-bench-XXXXXX)
chmod 755 "$work"
mkdir -p bench/results
started_at=$(date -u +%Y-%m-%dT%H-%M-%SZ)
results="bench/results/bench-$started_at.json"
steps="$work/steps.jsonl"
: >"$steps"

export TICKETING_DATA_DIR="$work/data"
export TICKETING_POSTGRES_PORT=$((PORT_BASE + 1)) TICKETING_REDIS_PORT=$((PORT_BASE + 2)) TICKETING_API_PORT=$((PORT_BASE + 3))
export TICKETING_QUEUEWORKER_PORT=$((PORT_BASE + 4)) TICKETING_WEB_PORT=$((PORT_BASE + 5)) TICKETING_DASHBOARD_PORT=$((PORT_BASE + 6))
hello_port=$((PORT_BASE + 7))
# Crowd settings: everyone who joins is admitted at once, so the paths behind the waiting room can be driven.
export Ticketing__Queue__ActiveCapacity=1000000 Ticketing__Queue__AdmissionBatchSize=10000
A="http://127.0.0.1:$TICKETING_API_PORT"

apphost_pid="" hello_pid=""
cleanup() {
  [[ -n $hello_pid ]] && kill "$hello_pid" 2>/dev/null && wait "$hello_pid" 2>/dev/null
  if [[ -n $apphost_pid ]] && kill -0 "$apphost_pid" 2>/dev/null; then
    echo "==> stopping the system"
    kill -TERM "$apphost_pid"
    wait "$apphost_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> starting the system (log: $work/apphost.log)"
dotnet src/Ticketing.AppHost/bin/Release/net10.0/Ticketing.AppHost.dll >"$work/apphost.log" 2>&1 &
apphost_pid=$!
for _ in $(seq 1 120); do
  grep -q '^\[apphost\] Running\.' "$work/apphost.log" && break
  kill -0 "$apphost_pid" 2>/dev/null || { tail -30 "$work/apphost.log"; echo "error: the system did not start" >&2; exit 1; }
  sleep 1
done
grep -q '^\[apphost\] Running\.' "$work/apphost.log" || { echo "error: the system was not up after 120 s" >&2; exit 1; }

echo "==> starting the Kestrel hello-world ceiling on :$hello_port"
dotnet bench/Ticketing.Bench.HelloWorld/bin/Release/net10.0/Ticketing.Bench.HelloWorld.dll --urls "http://127.0.0.1:$hello_port" >"$work/hello.log" 2>&1 &
hello_pid=$!

# --- the crowd -----------------------------------------------------------------------------------------------------
echo "==> signing up $USERS users (PasswordHasher's PBKDF2 keeps sign-up at tens per second by design), joining, admission"
concert=$(curl -sf "$A/api/concerts" | jq -r '.[0].concertId')
seq 1 "$USERS" | xargs -P 8 -I{} sh -c '
  name="bench{}_$1"
  curl -sf -o /dev/null -H "Content-Type: application/json" -d "{\"name\":\"$name\",\"password\":\"correct-horse\"}" "$2/api/users"
  token=$(curl -sf -H "Content-Type: application/json" -d "{\"name\":\"$name\",\"password\":\"correct-horse\"}" "$2/api/auth/token" | jq -r .accessToken)
  queue=$(curl -sf -X POST -H "Authorization: Bearer $token" "$2/api/concerts/$3/queue" | jq -r .queueToken)
  echo "$token $queue"' _ "$started_at" "$A" "$concert" >"$work/users.txt"
[[ $(wc -l <"$work/users.txt") -eq $USERS ]] || { echo "error: only $(wc -l <"$work/users.txt") of $USERS users were made" >&2; exit 1; }
read -r token queue < <(head -1 "$work/users.txt")
for _ in $(seq 1 60); do
  active=0
  while read -r t q; do
    [[ $(curl -sf -H "Authorization: Bearer $t" -H "X-Queue-Token: $q" "$A/api/concerts/$concert/queue" | jq -r .status) == ACTIVE ]] && active=$((active + 1))
  done <"$work/users.txt"
  ((active == USERS)) && break
  sleep 0.5
done
((active == USERS)) || { echo "error: $active of $USERS users were admitted within 30 s" >&2; exit 1; }
schedule=$(curl -sf -H "Authorization: Bearer $token" -H "X-Queue-Token: $queue" "$A/api/concerts/$concert/schedules" | jq -r '.[0].scheduleId')
# Seat 1 is held by the first user, so every hold attempt in the hold step is the 409 path (seat already held).
curl -sf -o /dev/null -H "Authorization: Bearer $token" -H "X-Queue-Token: $queue" -H 'Content-Type: application/json' \
  -d "{\"scheduleId\":\"$schedule\",\"seatNumber\":1}" "$A/api/holds"

# One Lua table of every user's tokens: each request of a step goes out as the next user.
{
  echo "users = {"
  while read -r t q; do echo "  {\"$t\", \"$q\"},"; done <"$work/users.txt"
  echo "}"
} >"$work/users.lua"

# step NAME METHOD PATH BODY KEYED: wrk for SECONDS_PER_STEP with CONNECTIONS connections; KEYED=1 adds a unique
# Idempotency-Key per request. Appends {"path":…, wrk figures…} to the steps file and prints a progress line.
step() {
  local name=$1 method=$2 path=$3 body=$4 keyed=$5
  step_count=$((${step_count:-0} + 1))
  local script="$work/step-$step_count.lua"
  cat >"$script" <<LUA
dofile("$work/users.lua")
dofile("$PWD/bench/wrk/report.lua")
local n = 0
local run = "$started_at"
function request()
  n = n + 1
  local user = users[(n % #users) + 1]
  local headers = { ["Authorization"] = "Bearer " .. user[1], ["X-Queue-Token"] = user[2], ["Content-Type"] = "application/json" }
  if $keyed == 1 then headers["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_id .. "-" .. n end
  return wrk.format("$method", "$path", headers, $( [[ -n $body ]] && printf "'%s'" "$body" || echo nil ))
end
LUA
  printf '  %-34s ' "$name"
  local line
  line=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_STEP}s" --latency -s "$script" "$A" | grep '^WRK_JSON ' | cut -d' ' -f2-)
  echo "$line" | jq -c --arg path "$name" '{path: $path} + .' >>"$steps"
  echo "$line" | jq -r '"\(.rps|floor) req/s, p99 \(.p99_ms) ms, status \(.status|tostring)"'
}

echo "==> ceilings (same run, same machine)"
printf '  %-34s ' "redis-benchmark SET NX PX"
redis_rps=$(redis-benchmark -p "$TICKETING_REDIS_PORT" -c "$CONNECTIONS" -n 1000000 -r 1000000 -q SET 'bench:__rand_int__' v NX PX 300000 \
  | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)
echo "$redis_rps ops/s"
printf '  %-34s ' "Kestrel hello-world JSON"
hello_line=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_STEP}s" --latency -s bench/wrk/report.lua "http://127.0.0.1:$hello_port/" | grep '^WRK_JSON ' | cut -d' ' -f2-)
kestrel_rps=$(echo "$hello_line" | jq .rps)
echo "$kestrel_rps req/s"

echo "==> paths ($CONNECTIONS connections, ${SECONDS_PER_STEP} s each, $USERS users in turn)"
step "POST /api/holds (seat held: 409)" POST /api/holds "{\"scheduleId\":\"$schedule\",\"seatNumber\":1}" 0
step "GET /api/concerts/{id}/queue" GET "/api/concerts/$concert/queue" "" 0
step "GET /api/concerts" GET /api/concerts "" 0
step "GET /api/schedules/{id}/seats" GET "/api/schedules/$schedule/seats" "" 0
step "POST /api/balance/charges" POST /api/balance/charges '{"amount":1000}' 0
step "POST /api/balance/charges + key" POST /api/balance/charges '{"amount":1000}' 1

# --- correctness after the load ------------------------------------------------------------------------------------
echo "==> contention: every user tries to hold and pay each of seats 2..50 of one schedule at once"
while read -r t q; do # enough points for every seat a user may win (the charge steps' sums depend on their speed)
  curl -sf -o /dev/null -H "Authorization: Bearer $t" -H 'Content-Type: application/json' -d '{"amount":10000000}' "$A/api/balance/charges"
done <"$work/users.txt"
seq 2 50 | while read -r seat; do while read -r t q; do echo "$t $q $seat"; done <"$work/users.txt"; done | shuf |
  xargs -P "$CONNECTIONS" -L1 sh -c '
    api=$0 schedule=$1 token=$2 queue=$3 seat=$4
    hold=$(curl -s -H "Authorization: Bearer $token" -H "X-Queue-Token: $queue" -H "Content-Type: application/json" \
      -d "{\"scheduleId\":\"$schedule\",\"seatNumber\":$seat}" "$api/api/holds" | jq -r ".holdId // empty")
    if [ -n "$hold" ]; then
      curl -s -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $token" -H "X-Queue-Token: $queue" -H "Content-Type: application/json" \
        -H "Idempotency-Key: pay-$hold" -d "{\"holdId\":\"$hold\"}" "$api/api/payments"
    fi' "$A" "$schedule" >"$work/payments.txt"
echo "  payment answers: $(sort "$work/payments.txt" | uniq -c | awk '{printf "%s×%s ", $2, $1}')"

password=$(jq -r '.PostgresPassword // .postgresPassword // empty' "$TICKETING_DATA_DIR/secrets.json")
psql_q() { PGPASSWORD="$password" psql -h 127.0.0.1 -p "$TICKETING_POSTGRES_PORT" -U postgres -d ticketing -At -c "$1"; }
sold_twice=$(psql_q "SELECT count(*) FROM (SELECT 1 FROM reservations GROUP BY schedule_id, seat_number HAVING count(*) > 1) d")
reservations=$(psql_q "SELECT count(*) FROM reservations")
payments=$(psql_q "SELECT count(*) FROM payments")
# Points: every balance is exactly its charges minus its payments plus its refunds, and every payment is one PAYMENT row.
unbalanced=$(psql_q "SELECT count(*) FROM users u WHERE u.balance <> COALESCE((SELECT sum(CASE h.kind WHEN 'PAYMENT' THEN -h.amount ELSE h.amount END) FROM balance_history h WHERE h.user_id = u.id), 0)")
payment_rows=$(psql_q "SELECT CASE WHEN (SELECT count(*) FROM payments) = (SELECT count(*) FROM balance_history WHERE kind = 'PAYMENT') AND (SELECT COALESCE(sum(amount), 0) FROM payments) = (SELECT COALESCE(sum(amount), 0) FROM balance_history WHERE kind = 'PAYMENT') THEN 'true' ELSE 'false' END")
charged_ok=$(jq -s '[.[] | select(.path | startswith("POST /api/balance/charges")) | .status["200"] // 0] | add' "$steps")
charge_rows=$(psql_q "SELECT count(*) FROM balance_history WHERE kind = 'CHARGE'")

# --- report --------------------------------------------------------------------------------------------------------
jq -s --arg at "$started_at" --arg machine "$(nproc) cores, $(uname -r)" --argjson redis "$redis_rps" --argjson kestrel "$kestrel_rps" \
  --argjson seconds "$SECONDS_PER_STEP" --argjson connections "$CONNECTIONS" --argjson users "$USERS" \
  --argjson soldTwice "$sold_twice" --argjson reservations "$reservations" --argjson payments "$payments" \
  --argjson unbalanced "$unbalanced" --argjson paymentRowsMatch "$payment_rows" --argjson chargedOk "$charged_ok" --argjson chargeRows "$charge_rows" '
  { at: $at, machine: $machine, seconds: $seconds, connections: $connections, users: $users,
    ceilings: { redisSetNxPx: $redis, kestrelHelloWorld: $kestrel },
    paths: [ .[] | . + { ofRedis: (.rps / $redis), ofKestrel: (.rps / $kestrel) } ],
    checks: { seatsSoldTwice: $soldTwice, reservations: $reservations, payments: $payments,
              usersWhoseBalanceIsNotTheirHistory: $unbalanced, paymentsMatchTheirHistoryRows: $paymentRowsMatch,
              chargesAnswered200: $chargedOk, chargeHistoryRows: $chargeRows } }' "$steps" >"$results"

echo
echo "Ticketing bench, $started_at, $(nproc) cores; ceilings: Redis SET NX PX $(printf '%.0f' "$redis_rps")/s, Kestrel hello-world $(printf '%.0f' "$kestrel_rps")/s"
jq -r '
  ["path", "req/s", "p50 ms", "p95 ms", "p99 ms", "statuses", "of Redis", "of Kestrel"],
  (.paths[] | [.path, (.rps|floor), .p50_ms, .p95_ms, .p99_ms, (.status|to_entries|map("\(.key)×\(.value)")|join(" ")),
               ((.ofRedis*1000|floor)/10|tostring + "%"), ((.ofKestrel*1000|floor)/10|tostring + "%")])
  | @tsv' "$results" | column -t -s $'\t'
echo
jq -r '.checks | "checks: seats sold twice \(.seatsSoldTwice) (of \(.reservations) reservations, \(.payments) payments); users whose balance is not their history \(.usersWhoseBalanceIsNotTheirHistory); payments match their history rows \(.paymentsMatchTheirHistoryRows); charges answered 200 \(.chargesAnswered200), CHARGE rows \(.chargeHistoryRows) (incl. one top-up per user; may exceed by the requests cut off in flight)"' "$results"
echo "results: $results"

# wrk ends a step by closing its connections: a charge in flight then (at most one per connection and step) commits without
# its answer being counted, so the CHARGE rows may exceed the counted 200s by that much, never fall below them.
charge_rows_of_steps=$((charge_rows - USERS)) # the top-ups before the contention step are one charge per user
if [[ $sold_twice != 0 || $unbalanced != 0 || $payment_rows != true ]] \
  || ((charge_rows_of_steps < charged_ok || charge_rows_of_steps > charged_ok + 2 * CONNECTIONS)); then
  echo "FAILED: a correctness check did not hold (see above)" >&2
  exit 1
fi
