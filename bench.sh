#!/usr/bin/env bash
# The load command: starts the whole system (through Ticketing.AppHost, with crowd settings, on its own ports and a
# throw-away data folder), measures this machine's two ceilings in the same run (redis-benchmark SET NX PX on the
# system's Redis; a Kestrel hello-world JSON endpoint), drives the crowd paths with wrk, prints a table of throughput,
# latency percentiles, status counts and ratios to the ceilings, runs pgbench with the charge's and the payment's own SQL
# (the database's ceiling for the money paths, and each path's share of it), writes the same as JSON to bench/results/,
# and checks afterwards that no seat was sold twice and that every point is accounted for. Bounded: every load step runs
# for BENCH_SECONDS (default 15) with BENCH_CONNECTIONS (default 50) connections; the whole run takes about 11 minutes, the sale
# opening at its end (on a fresh system: BENCH_ONLY=sale below) included.
#   ./bench.sh
#   BENCH_SECONDS=5 ./bench.sh          # a quick look
#   BENCH_ONLY=streams ./bench.sh       # only the live-stream step (5,000 streams held on one Api; about 2 minutes)
#   BENCH_ONLY=sale ./bench.sh          # only the sale opening: 50,000 people join one concert at once and buy out its house
# Speed is measured here, never in ./test.sh. Load goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_STEP="${BENCH_SECONDS:-15}"
CONNECTIONS="${BENCH_CONNECTIONS:-50}"
USERS="${BENCH_USERS:-50}"
CROWD="${BENCH_CROWD:-20000}"                 # users made in bulk for the joins and the hold-and-pay steps
JOIN_CONCERTS="${BENCH_JOIN_CONCERTS:-10}"    # each crowd user joins each of these once: CROWD x JOIN_CONCERTS fresh joins at most
PAYERS="${BENCH_PAYERS:-1000}"                # crowd users who hold and pay in the hold-and-pay steps
PAY_SCHEDULES="${BENCH_PAY_SCHEDULES:-2400}"  # 50 seats each: the seats the hold-and-pay steps can sell (pgbench's payments take the rest)
PORT_BASE="${BENCH_PORT_BASE:-24100}" # below Linux's ephemeral range (32768-60999), like the system's own ports
STREAMS="${BENCH_STREAMS:-5000}"              # live status streams held open on the Api in the stream step (0: no stream step)
ONLY="${BENCH_ONLY:-}"                        # "streams": start the system, run the stream step, stop; "sale": the sale opening only
SALE_PEOPLE="${BENCH_SALE_PEOPLE:-50000}"      # the sale opening: people (made in bulk) who join at once,
SALE_SCHEDULES="${BENCH_SALE_SCHEDULES:-100}"  # the house (50 seats each),
SALE_CAPACITY="${BENCH_SALE_CAPACITY:-1000}"   # the active set's size (the system's Ticketing__Queue__ActiveCapacity),
SALE_POLL="${BENCH_SALE_POLL_SECONDS:-2}"      # how often each waiting person who does not stream polls,
SALE_STREAMS="${BENCH_SALE_STREAM_SHARE:-1}"   # the share of people who wait on a live stream instead (all, by default),
SALE_MAX="${BENCH_SALE_MAX_SECONDS:-600}"      # and when the scenario gives up.
# One process here holds at most 20,000 open files (`ulimit -Hn`), an Api's sockets and a client's alike: the sale runs one Api
# replica (TICKETING_API_REPLICAS) and one stream relay process per 17,000 streams, e.g. 3 of each for 50,000.
SALE_STREAMS_PER_REPLICA=17000
sale_streams=$(awk -v n="$SALE_PEOPLE" -v s="$SALE_STREAMS" 'BEGIN { printf "%d", n * s }')
SALE_REPLICAS="${BENCH_SALE_API_REPLICAS:-$(((sale_streams + SALE_STREAMS_PER_REPLICA - 1) / SALE_STREAMS_PER_REPLICA))}"
((SALE_REPLICAS >= 1)) || SALE_REPLICAS=1
[[ $ONLY == sale ]] && STREAMS=0

PROFILE="${BENCH_PROFILE:-0}"                 # 1: perf-record the Api during every load step (reports next to the results)
# bsdextrautils: column(1) for the table; linux-perf only to profile
if [[ ${BENCH_SKIP_SETUP:-0} != 1 ]]; then # set by the full run for its sale opening, which runs right after it
  SETUP_EXTRA_PACKAGES="wrk bsdextrautils$([[ $PROFILE == 1 ]] && echo " linux-perf")" ./scripts/setup.sh
  for project in Ticketing.Bench.HelloWorld Ticketing.Bench.Crowd; do
    echo "==> dotnet build bench/$project"
    dotnet build "bench/$project" -c Release -nologo -v q -clp:NoSummary
  done
fi

# Every open stream is a socket in the Api and one in the bench's client: both inherit this shell's open-files limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if ((STREAMS > 0 && $(ulimit -n) < STREAMS + 1000)); then
  echo "error: ulimit -n is $(ulimit -n) (hard limit $(ulimit -Hn)); $STREAMS streams need at least $((STREAMS + 1000)) open files. Raise it or set BENCH_STREAMS lower." >&2
  exit 1
fi

work=$(mktemp -d /var/tmp/ticketing-bench-XXXXXX)
chmod 755 "$work"
mkdir -p bench/results
started_at=$(date -u +%Y-%m-%dT%H-%M-%SZ)
results="bench/results/bench-$started_at.json"
steps="$work/steps.jsonl"
: >"$steps"

export TICKETING_DATA_DIR="$work/data"
export TICKETING_POSTGRES_PORT=$((PORT_BASE + 1)) TICKETING_REDIS_PORT=$((PORT_BASE + 2)) TICKETING_API_PORT=$((PORT_BASE + 3))
export TICKETING_QUEUEWORKER_PORT=$((PORT_BASE + 4)) TICKETING_WEB_PORT=$((PORT_BASE + 5)) TICKETING_KAFKA_PORT=$((PORT_BASE + 8))
hello_port=$((PORT_BASE + 7))
# The AppHost's own endpoints, as run.sh's launch profile "http" gives them, on the bench's ports: the Aspire dashboard, its OTLP
# receiver and its resource service.
export DOTNET_ENVIRONMENT=Development ASPIRE_ALLOW_UNSECURED_TRANSPORT=true ASPNETCORE_URLS="http://127.0.0.1:$((PORT_BASE + 6))"
export ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="http://127.0.0.1:$((PORT_BASE + 9))" ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://127.0.0.1:$((PORT_BASE + 10))"
# Crowd settings: everyone who joins is admitted at once, so the paths behind the waiting room can be driven. The sale opening
# has a bounded active set instead, filled in FIFO batches as people pay and leave.
export Ticketing__Queue__ActiveCapacity=1000000 Ticketing__Queue__AdmissionBatchSize=10000
[[ $ONLY == sale ]] && export Ticketing__Queue__ActiveCapacity="$SALE_CAPACITY" Ticketing__Queue__AdmissionBatchSize=500 TICKETING_API_REPLICAS="$SALE_REPLICAS"
# Each payer holds and pays many seats of the one pay concert: the per-concert hold cap (default 4) at its maximum.
export Ticketing__Holds__MaxPerUserPerConcert=50
# The load steps are one address and a few users firing thousands of requests a second, on purpose: rate limits off.
export Ticketing__RateLimits__Enabled="${Ticketing__RateLimits__Enabled:-false}" # true + raised rules measures the limiter's own cost
# No join challenge: the load is scripted on purpose, and its sign-ups and joins measure the paths, not proof-of-work solving.
export Ticketing__Challenge__Enabled=false
# Traces of 1 request in 100 are recorded and exported to the Aspire dashboard, as a production crowd would sample them (the
# OpenTelemetry SDK's standard sampler variables; parent-based, so a sampled request is whole across services). Metrics and
# logs are exported as usual. BENCH_TRACE_RATIO=1 records every request's trace, as ./run.sh does.
# The JIT writes /tmp/perf-<pid>.map, so perf names .NET frames (W^X off, or JIT code sits in an unnamed double mapping).
[[ $PROFILE == 1 ]] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
export OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG="${BENCH_TRACE_RATIO:-0.01}"
# Metrics every 15 s and spans in batches every 5 s (the SDK's default), not Aspire's development second: the dashboard's
# ingestion shares the two cores with the paths being measured.
export OTEL_METRIC_EXPORT_INTERVAL=15000 OTEL_BSP_SCHEDULE_DELAY=5000
# The bench signs its crowd's access tokens itself (Ticketing.Bench.Crowd), so it gives the system a fresh signing key.
Ticketing__Auth__SigningKey=$(head -c 32 /dev/urandom | base64)
export Ticketing__Auth__SigningKey
A="http://127.0.0.1:$TICKETING_API_PORT"

apphost_pid="" hello_pid="" streams_pid="" sale_pid="" sale_run_pid="" system_pids=()
# The processes of the system: DCP runs detached from the AppHost, tied to it by "--monitor <pid>" in its command lines, and each
# service it runs has a "dcp monitor-process --child <pid>" beside it. Collected once the system is up, so that the cleanup waits
# for exactly these PIDs (and ends only them).
collect_system_pids() {
  local -a frontier=("$apphost_pid") next
  local p q child
  system_pids=()
  while ((${#frontier[@]})); do
    next=()
    for p in "${frontier[@]}"; do
      while read -r q; do [[ -n $q ]] && next+=("$q"); done < <(pgrep -f -- "--monitor $p( |$)" || true)
    done
    for q in "${next[@]}"; do
      system_pids+=("$q")
      child=$(tr '\0' ' ' <"/proc/$q/cmdline" 2>/dev/null | grep -o -- '--child [0-9]*' | cut -d' ' -f2 || true)
      [[ -n $child ]] && system_pids+=("$child")
    done
    frontier=("${next[@]}")
  done
}
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && echo "$p"; done; }
# stop PID: SIGTERM to a process this run started, then wait for it; its exit status (143 when the signal ended it) is not an
# error here (set -e would otherwise end the clean-up half way).
stop() { [[ -n $1 ]] && kill "$1" 2>/dev/null && { wait "$1" 2>/dev/null || true; }; return 0; }
# Stops what this run started: the sale opening's own run (which stops its system), the clients, the hello-world app and the
# system (waiting for every process of it to be gone).
stop_all() {
  stop "$sale_run_pid"
  stop "$streams_pid"
  stop "$sale_pid"
  stop "$hello_pid"
  if [[ -n $apphost_pid ]] && kill -0 "$apphost_pid" 2>/dev/null; then
    echo "==> stopping the system"
    kill -TERM "$apphost_pid"
    wait "$apphost_pid" 2>/dev/null || true
  fi
  # DCP stops what it ran (the servers included) once the AppHost is gone, within ~20 s; what is still up after 60 s is ended.
  local -a left
  for _ in $(seq 1 120); do
    mapfile -t left < <(alive "${system_pids[@]}")
    ((${#left[@]})) || break
    sleep 0.5
  done
  if ((${#left[@]})); then
    echo "==> still running 60 s after the AppHost stopped, ended: ${left[*]}" >&2
    kill -KILL "${left[@]}" 2>/dev/null || true
  fi
  apphost_pid="" hello_pid="" streams_pid="" sale_pid="" sale_run_pid="" system_pids=()
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_all
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> starting the system (log: $work/apphost.log)"
dotnet src/Ticketing.AppHost/bin/Release/net10.0/Ticketing.AppHost.dll >"$work/apphost.log" 2>&1 &
apphost_pid=$!
ready='==> Web (open this) is ready' # the AppHost says so once every resource the Web waits for is healthy
for _ in $(seq 1 120); do
  grep -q "$ready" "$work/apphost.log" && break
  kill -0 "$apphost_pid" 2>/dev/null || { tail -30 "$work/apphost.log"; echo "error: the system did not start" >&2; exit 1; }
  sleep 1
done
grep -q "$ready" "$work/apphost.log" || { echo "error: the system was not up after 120 s" >&2; exit 1; }
collect_system_pids

password=$(jq -r '.PostgresPassword // empty' "$TICKETING_DATA_DIR/secrets.json")
# Redis asks for its generated password (redis-cli and redis-benchmark read it from -a).
redis_password=$(jq -r '.RedisPassword // empty' "$TICKETING_DATA_DIR/secrets.json")
redis_auth=(-a "$redis_password" --no-auth-warning)
psql_q() { PGPASSWORD="$password" psql -h 127.0.0.1 -p "$TICKETING_POSTGRES_PORT" -U postgres -d ticketing -At -c "$1"; }
# The two checks every run ends with: seats with more than one CONFIRMED reservation, and users whose balance is not the sum
# of their history (charges and refunds minus payments).
seats_sold_twice() { psql_q "SELECT count(*) FROM (SELECT 1 FROM reservations WHERE status = 'CONFIRMED' GROUP BY schedule_id, seat_number HAVING count(*) > 1) d"; }
users_not_their_history() { psql_q "SELECT count(*) FROM users u WHERE u.balance <> COALESCE((SELECT sum(CASE h.kind WHEN 'PAYMENT' THEN -h.amount ELSE h.amount END) FROM balance_history h WHERE h.user_id = u.id), 0)"; }

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

# lua_table NAME FILE FIELD...: a Lua table NAME with one entry per line of FILE, made of the given whitespace-separated
# fields as strings: a string for one field ({"a", …}), a list for several ({{"a", "b"}, …}). The wrk scripts dofile() it.
lua_table() {
  local name=$1 file=$2
  shift 2
  awk -v name="$name" -v fields="$*" 'BEGIN { n = split(fields, f, " "); print name " = {" }
    { entry = ""; for (i = 1; i <= n; i++) entry = entry (i > 1 ? ", " : "") "\"" $f[i] "\""; print "  " (n > 1 ? "{" entry "}" : entry) "," }
    END { print "}" }' "$file"
}

# One Lua table of every user's tokens: each request of a step goes out as the next user.
lua_table users "$work/users.txt" 1 2 >"$work/users.lua"

# Where the CPU goes: the CPU time (user + system, in clock ticks, children that exited included) of each part of the system.
# A process may end between listing and reading (a Postgres backend closing): it then counts 0, not a broken sum.
ticks_of() {
  local t=0 p v
  for p in "$@"; do
    v=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" 2>/dev/null) || v=0
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
cpu_parts() { # prints "api queueworker apphost redis postgres" tick counts
  local postmaster
  # The postmaster itself (its command line starts with the binary), not the launcher whose arguments name it too.
  postmaster=$(pgrep -f "^[^ ]*/postgres -D .* -p $TICKETING_POSTGRES_PORT( |$)" | head -1)
  echo "$(ticks_of $(pgrep -f 'Ticketing.Api.dll')) $(ticks_of $(pgrep -f 'Ticketing.QueueWorker.dll')) $(ticks_of $(pgrep -f 'Ticketing.AppHost.dll') $(pgrep -f 'tools/dcp ') $(pgrep -f 'tools/Aspire.Dashboard'))" \
    "$(ticks_of $(pgrep -f "redis-server.*:$TICKETING_REDIS_PORT")) $(ticks_of "$postmaster" $(pgrep -P "$postmaster"))"
}

# run_wrk NAME SCRIPT: wrk for SECONDS_PER_STEP with CONNECTIONS connections (2 threads); appends {"path":…, wrk figures…,
# "cpu_us_per_request": {api, queueworker, apphost, redis, postgres, wrk}} to the steps file and prints a progress line.
run_wrk() {
  local name=$1 script=$2 line perf_pid="" before after wrk_ticks
  printf '  %-34s ' "$name"
  before=$(cpu_parts)
  redis-cli "${redis_auth[@]}" -p "$TICKETING_REDIS_PORT" CONFIG RESETSTAT >/dev/null
  if [[ $PROFILE == 1 ]]; then
    # The Api's own threads only, sampled 499 times a second with call stacks, over the middle of the step.
    (sleep 1; perf record -q -F 499 -g -p "$(pgrep -f 'Ticketing.Api.dll' | head -1)" -o "$work/perf.data" -- sleep $((SECONDS_PER_STEP - 2)) >/dev/null 2>&1) &
    perf_pid=$!
  fi
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_STEP}s" --latency -s "$script" "$A" >"$work/wrk.out" &
  local wrk_pid=$! ticks
  wrk_ticks=0
  # (a sample taken as wrk exits reads 0 and is not kept)
  while kill -0 "$wrk_pid" 2>/dev/null; do ticks=$(ticks_of "$wrk_pid"); ((ticks > wrk_ticks)) && wrk_ticks=$ticks; sleep 0.5; done
  wait "$wrk_pid"
  after=$(cpu_parts)
  line=$(grep '^WRK_JSON ' "$work/wrk.out" | cut -d' ' -f2-)
  line=$(jq -c --arg before "$before" --arg after "$after" --argjson wrk "${wrk_ticks:-0}" --argjson hz "$(getconf CLK_TCK)" '
    ($before | split(" ") | map(tonumber)) as $b | ($after | split(" ") | map(tonumber)) as $a
    | def us(t): (t / $hz * 1e6 / .requests * 10 | round / 10);
    . + { cpu_us_per_request: { api: us($a[0] - $b[0]), queueworker: us($a[1] - $b[1]), apphost: us($a[2] - $b[2]),
                                redis: us($a[3] - $b[3]), postgres: us($a[4] - $b[4]), wrk: us($wrk) } }' <<<"$line")
  # Redis's own time per command of the step (INFO commandstats), per request of the step.
  line=$(redis-cli "${redis_auth[@]}" -p "$TICKETING_REDIS_PORT" INFO commandstats | tr -d '\r' | grep '^cmdstat_' \
    | sed -E 's/^cmdstat_([^:]+):calls=([0-9]+),usec=([0-9]+).*/\1 \2 \3/' \
    | jq -R -s -c --argjson step "$line" '
      [split("\n")[] | select(length > 0) | split(" ") | {command: .[0], calls: (.[1] | tonumber), usec: (.[2] | tonumber)}]
      | map(select(.command != "config" and .command != "info")) | sort_by(-.usec)
      | $step + { redis_per_request: map({ (.command): { calls: (.calls / $step.requests * 100 | round / 100),
                                                           us: (.usec / $step.requests * 10 | round / 10) } }) | add }')
  if [[ -n $perf_pid ]]; then
    wait "$perf_pid"
    local report
    report="bench/results/profile-$started_at-$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-').txt"
    { echo "# perf profile of the Api during: $name (self time by shared object and symbol)"
      perf report -i "$work/perf.data" --stdio --no-children -g none --sort dso,sym --percent-limit 0.7 2>/dev/null | grep -v '^$' | grep -v '^#' | grep '%' | head -60
      echo; echo "# by shared object"
      perf report -i "$work/perf.data" --stdio --no-children -g none --sort dso 2>/dev/null | grep '%' | head -15
    } >"$report"
  fi
  echo "$line" | jq -c --arg path "$name" '{path: $path} + .' >>"$steps"
  echo "$line" | jq -r '"\(.rps|floor) req/s, p99 \(.p99_ms) ms, status \(.status|tostring)"'
}

# step NAME METHOD PATH BODY KEYED [ANONYMOUS]: every request goes out as the next of the 50 users; KEYED=1 adds a unique
# Idempotency-Key per request; ANONYMOUS=1 sends no credentials (a public route, as a browser's first visit).
step() {
  local name=$1 method=$2 path=$3 body=$4 keyed=$5 anonymous=${6:-0}
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
  if $anonymous == 1 then headers = {} end
  if $keyed == 1 then headers["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_id .. "-" .. n end
  return wrk.format("$method", "$path", headers, $( [[ -n $body ]] && printf "'%s'" "$body" || echo nil ))
end
LUA
  # Reads (and the refused hold) are warmed up for 2 s first, unmeasured, so the JIT's tier-1 code is what gets measured.
  [[ $method == GET || $name == *409* ]] && wrk -t2 -c"$CONNECTIONS" -d2s -s "$script" "$A" >/dev/null
  run_wrk "$name" "$script"
}

if [[ $ONLY != streams ]]; then
echo "==> ceilings (same run, same machine)"
printf '  %-34s ' "redis-benchmark SET NX PX"
redis_rps=$(redis-benchmark -a "$redis_password" -p "$TICKETING_REDIS_PORT" -c "$CONNECTIONS" -n 1000000 -r 1000000 -q SET 'bench:__rand_int__' v NX PX 300000 \
  | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)
echo "$redis_rps ops/s"
printf '  %-34s ' "Kestrel hello-world JSON"
wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$hello_port/" >/dev/null
hello_before=$(ticks_of "$hello_pid")
hello_line=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_STEP}s" --latency -s bench/wrk/report.lua "http://127.0.0.1:$hello_port/" | grep '^WRK_JSON ' | cut -d' ' -f2-)
kestrel_rps=$(echo "$hello_line" | jq .rps)
kestrel_cpu=$(jq -n --argjson t "$(($(ticks_of "$hello_pid") - hello_before))" --argjson hz "$(getconf CLK_TCK)" --argjson n "$(echo "$hello_line" | jq .requests)" '$t / $hz * 1e6 / $n * 10 | round / 10')
echo "$kestrel_rps req/s ($kestrel_cpu µs of CPU per request)"

echo "==> paths ($CONNECTIONS connections, ${SECONDS_PER_STEP} s each, $USERS users in turn)"
[[ ${BENCH_SKIP_PATHS:-0} == 1 || $ONLY == sale ]] && echo "  skipped (BENCH_SKIP_PATHS=1 or BENCH_ONLY=sale)" || {
step "POST /api/holds (seat held: 409)" POST /api/holds "{\"scheduleId\":\"$schedule\",\"seatNumber\":1}" 0
step "GET /api/concerts/{id}/queue" GET "/api/concerts/$concert/queue" "" 0
step "GET /api/concerts (anonymous)" GET /api/concerts "" 0 1
step "GET /api/schedules/{id}/seats" GET "/api/schedules/$schedule/seats" "" 0
step "POST /api/balance/charges" POST /api/balance/charges '{"amount":1000}' 0
step "POST /api/balance/charges + key" POST /api/balance/charges '{"amount":1000}' 1
}
fi

# --- live streams: many open streams of GET /api/concerts/{id}/queue/events on the one Api, the heartbeat measured meanwhile --
# bench/Ticketing.Bench.Crowd's streams mode puts STREAMS WAITING tokens of a concert of their own into Redis and opens one stream
# per token. The heartbeat is measured right before, while they are held with their line standing still (keep-alives only), and
# while the line moves once a second (every stream gets a new position: the hub's batched reads and fan-out under load). The
# Api's resident memory (VmRSS) is read before and once all are open: the difference / STREAMS is the memory per stream.
# rss_kb PID…: their VmRSS, summed (KiB); a process that is gone counts 0.
rss_kb() { local p; for p in "$@"; do cat "/proc/$p/status" 2>/dev/null || true; done | awk '/^VmRSS:/ { t += $2 } END { print t + 0 }'; }
streams_json='{}'
if ((STREAMS > 0)); then
  echo "==> live streams: $STREAMS streams held open on the Api while the heartbeat is measured (ulimit -n $(ulimit -n))"
  api_pid=$(pgrep -f 'Ticketing.Api.dll' | head -1)
  step "GET /api/concerts/{id}/queue (before the streams)" GET "/api/concerts/$concert/queue" "" 0
  rss_before=$(rss_kb "$api_pid")
  dotnet bench/Ticketing.Bench.Crowd/bin/Release/net10.0/Ticketing.Bench.Crowd.dll streams "127.0.0.1:$TICKETING_REDIS_PORT,password=$redis_password" \
    "$Ticketing__Auth__SigningKey" "$A" "$STREAMS" $((2 * SECONDS_PER_STEP + 120)) "$work" >"$work/streams.log" 2>&1 &
  streams_pid=$!
  for _ in $(seq 1 150); do
    [[ -s $work/streams-ready.json ]] && break
    kill -0 "$streams_pid" 2>/dev/null || break
    sleep 1
  done
  [[ -s $work/streams-ready.json ]] || { cat "$work/streams.log"; echo "error: the streams were not open within 150 s" >&2; exit 1; }
  sed 's/^/  /' "$work/streams.log"
  sleep 2 # the first reads' garbage settles a little before the memory is read
  rss_open=$(rss_kb "$api_pid")
  step "GET /api/concerts/{id}/queue ($STREAMS streams, line still)" GET "/api/concerts/$concert/queue" "" 0
  touch "$work/streams-move"
  step "GET /api/concerts/{id}/queue ($STREAMS streams, moving 1/s)" GET "/api/concerts/$concert/queue" "" 0
  rss_after=$(rss_kb "$api_pid")
  touch "$work/streams-stop"
  streams_ok=0
  wait "$streams_pid" && streams_ok=1
  streams_pid=""
  tail -1 "$work/streams.log" | sed 's/^/  /'
  streams_json=$(jq -n --slurpfile ready "$work/streams-ready.json" --slurpfile result "$work/streams-result.json" \
    --argjson streams "$STREAMS" --argjson before "$rss_before" --argjson open "$rss_open" --argjson after "$rss_after" '
    { streams: $streams, ready: $ready[0], held: $result[0],
      apiRssKb: { before: $before, allOpen: $open, afterHeartbeatSteps: $after },
      kbPerStream: (($open - $before) / $streams * 10 | round / 10) }')
  echo "  Api memory (VmRSS): $((rss_before / 1024)) MiB before, $((rss_open / 1024)) MiB with $STREAMS streams open, $((rss_after / 1024)) MiB after the heartbeat steps: $(jq -r .kbPerStream <<<"$streams_json") KiB per stream"
  ((streams_ok)) || { echo "error: not every stream showed its exact place in line (see above)" >&2; exit 1; }
fi
if [[ $ONLY == streams ]]; then
  jq -s --argjson streams "$streams_json" '{ at: "'"$started_at"'", paths: ., streams: $streams }' "$steps" >"$results"
  echo
  jq -r '["path", "req/s", "p50 ms", "p95 ms", "p99 ms", "statuses", "CPU µs/req: api redis"],
    (.paths[] | [.path, (.rps|floor), .p50_ms, .p95_ms, .p99_ms, (.status|to_entries|map("\(.key)×\(.value)")|join(" ")),
                 (.cpu_us_per_request | "\(.api|floor) \(.redis|floor)")]) | @tsv' "$results" | column -t -s $'\t'
  echo "results: $results"
  exit 0
fi

# --- the sale opening (BENCH_ONLY=sale) ------------------------------------------------------------------------------
# bench/Ticketing.Bench.Crowd's sale mode (SaleCrowd.cs): SALE_PEOPLE people made in bulk join one concert at once, wait — a
# SALE_STREAMS share of them on a live stream, the rest polling every SALE_POLL s —, are admitted in FIFO batches into an active
# set of SALE_CAPACITY, hold a free seat and pay until the house of SALE_SCHEDULES x 50 seats is sold out, then whoever still
# waits leaves. CPU per process is read from /proc over the whole sale.
if [[ $ONLY == sale ]]; then
  per_replica=$(((sale_streams + SALE_REPLICAS - 1) / SALE_REPLICAS))
  if (($(ulimit -n) < per_replica + 1500)); then
    echo "error: ulimit -n is $(ulimit -n); $per_replica streams per Api replica need at least $((per_replica + 1500)) open files. Set BENCH_SALE_API_REPLICAS higher." >&2
    exit 1
  fi
  # The replicas' own addresses: with one, the Api listens on $A itself; with more, $A is DCP's proxy and each replica listens
  # on a port of its own, read from the socket table.
  mapfile -t api_pids < <(pgrep -f 'Ticketing.Api.dll')
  api_urls=$A
  if ((SALE_REPLICAS > 1)); then
    api_urls=$(for p in "${api_pids[@]}"; do
      ss -ltnpH | grep -F "pid=$p," | awk '{ print $4 }' | grep '^127\.0\.0\.1:' | head -1 | sed 's|^|http://|'
    done | paste -sd,)
  fi
  if [[ $(tr ',' '\n' <<<"$api_urls" | grep -c .) -ne $SALE_REPLICAS ]]; then
    echo "error: expected $SALE_REPLICAS Api replicas, found ${#api_pids[@]} processes listening on: $api_urls" >&2
    exit 1
  fi
  echo "==> sale opening: $SALE_PEOPLE people join one concert at once; $SALE_SCHEDULES x 50 seats; active set $SALE_CAPACITY; $sale_streams wait on a live stream, the rest poll every $SALE_POLL s; $SALE_REPLICAS Api replica(s): $api_urls"
  dotnet bench/Ticketing.Bench.Crowd/bin/Release/net10.0/Ticketing.Bench.Crowd.dll \
    "Host=127.0.0.1;Port=$TICKETING_POSTGRES_PORT;Username=postgres;Password=$password;Database=ticketing" \
    "$Ticketing__Auth__SigningKey" "$SALE_PEOPLE" 0 "$SALE_SCHEDULES" "$work" | sed 's/^/  /'
  rss_before=$(rss_kb "${api_pids[@]}")
  cpu_before=$(cpu_parts)
  sale_clock=$SECONDS
  dotnet bench/Ticketing.Bench.Crowd/bin/Release/net10.0/Ticketing.Bench.Crowd.dll sale "127.0.0.1:$TICKETING_REDIS_PORT,password=$redis_password" \
    "$api_urls" "$work" "$SALE_POLL" "$SALE_MAX" "$SALE_STREAMS" &
  sale_pid=$!
  rss_peak=$rss_before client_ticks=0
  while kill -0 "$sale_pid" 2>/dev/null; do
    # The client and its stream relays (once they exit, their CPU is in the client's own children's time); a sample taken as
    # the client exits reads 0 and is not kept.
    ticks=$(ticks_of "$sale_pid" $(pgrep -P "$sale_pid"))
    ((ticks > client_ticks)) && client_ticks=$ticks
    rss=$(rss_kb "${api_pids[@]}")
    ((rss > rss_peak)) && rss_peak=$rss
    sleep 1
  done
  sale_ok=0
  wait "$sale_pid" && sale_ok=1
  sale_pid=""
  sale_seconds=$((SECONDS - sale_clock))
  cpu_after=$(cpu_parts)
  sold_twice=$(seats_sold_twice)
  unbalanced=$(users_not_their_history)
  jq -n --slurpfile sale "$work/sale.json" --arg at "$started_at" --arg machine "$(nproc) cores, $(uname -r)" \
    --argjson kestrel "$kestrel_rps" --argjson kestrelCpu "$kestrel_cpu" --argjson capacity "$SALE_CAPACITY" --argjson seconds "$sale_seconds" \
    --arg before "$cpu_before" --arg after "$cpu_after" --argjson client "$client_ticks" --argjson hz "$(getconf CLK_TCK)" \
    --argjson rssBefore "$rss_before" --argjson rssPeak "$rss_peak" --argjson soldTwice "$sold_twice" --argjson unbalanced "$unbalanced" '
    ($before | split(" ") | map(tonumber)) as $b | ($after | split(" ") | map(tonumber)) as $a
    | def cpu(i): (($a[i] - $b[i]) / $hz * 10 | round / 10);
    { at: $at, machine: $machine, ceilings: { kestrelHelloWorld: $kestrel, kestrelHelloWorldCpuUsPerRequest: $kestrelCpu },
      sale: ($sale[0] + { activeCapacity: $capacity, wallSeconds: $seconds }),
      cpuSeconds: { api: cpu(0), queueworker: cpu(1), apphost: cpu(2), redis: cpu(3), postgres: cpu(4), client: (($client / $hz * 10) | round / 10) },
      apiRssMiB: { before: ($rssBefore / 1024 | floor), peak: ($rssPeak / 1024 | floor) },
      # An upper bound of the memory per stream: all the Api grew by during the sale, over the most streams open at once.
      apiKiBPerStreamAtMost: (if $sale[0].streams.peakOpen > 0 then (($rssPeak - $rssBefore) / $sale[0].streams.peakOpen * 10 | round / 10) else null end),
      checks: { seatsSoldTwice: $soldTwice, usersWhoseBalanceIsNotTheirHistory: $unbalanced } }' >"$results"
  echo
  jq -r '.sale as $s | .cpuSeconds as $c | .apiRssMiB as $m
    | "Sale opening, \(.at), \(.machine): \($s.people) people, \($s.seats) seats, active set \($s.activeCapacity), the waiting poll every \($s.pollSeconds) s (streams: \($s.streamShare * 100)%), \($s.apiReplicas) Api replica(s)",
      "  join burst: \($s.joinBurst.perSecond)/s over \($s.joinBurst.seconds) s, p50 \($s.joinBurst.p50_ms) ms, p99 \($s.joinBurst.p99_ms) ms, statuses \($s.joinBurst.statuses | tostring)",
      "  admission order: \($s.admissionOrder.admitted) admitted, \($s.admissionOrder.inversions) inversions against the join order",
      "  heartbeat during the sale: \($s.heartbeat.count) polls, p50 \($s.heartbeat.p50_ms) ms, p99 \($s.heartbeat.p99_ms) ms, statuses \($s.heartbeat.statuses | tostring)",
      "  live streams: \($s.streams.people) people, at most \($s.streams.peakOpen) open at once; first event p50 \($s.streams.firstEvent.p50_ms) ms, p99 \($s.streams.firstEvent.p99_ms) ms \($s.streams.firstEvent.statuses | tostring); \($s.streams.fellBackToPolling) fell back to polling",
      "  a streamed person'"'"'s turn (admission -> ACTIVE event read): \($s.streams.turnDelivery.count) deliveries, p50 \($s.streams.turnDelivery.p50_ms) ms, p99 \($s.streams.turnDelivery.p99_ms) ms, max \($s.streams.turnDelivery.max_ms) ms",
      "  hold: p50 \($s.hold.p50_ms) ms, p99 \($s.hold.p99_ms) ms \($s.hold.statuses | tostring); payment: p50 \($s.payment.p50_ms) ms, p99 \($s.payment.p99_ms) ms \($s.payment.statuses | tostring)",
      "  sold out: \($s.soldOutSeconds // "never") s after the first join (\($s.paid) paid); everyone done after \($s.wallSeconds) s: \($s.outcomes | tostring)",
      "  CPU seconds over the sale: Api \($c.api), QueueWorker \($c.queueworker), AppHost+DCP+dashboard \($c.apphost), Redis \($c.redis), Postgres \($c.postgres), the crowd client \($c.client)",
      "  Api memory (VmRSS\(if $s.apiReplicas > 1 then ", its \($s.apiReplicas) replicas together" else "" end)): \($m.before) MiB before, \($m.peak) MiB at its peak: at most \(.apiKiBPerStreamAtMost) KiB per stream open at the peak",
      "checks: seats sold twice \(.checks.seatsSoldTwice); users whose balance is not their history \(.checks.usersWhoseBalanceIsNotTheirHistory)"' "$results"
  echo "results: $results"
  inversions=$(jq '.sale.admissionOrder.inversions' "$results")
  if ((sale_ok == 0 || sold_twice != 0 || unbalanced != 0 || inversions != 0)); then
    echo "FAILED: the house was not sold out, or a check did not hold (see above)" >&2
    exit 1
  fi
  exit 0
fi

# --- the crowd: fresh joins, admission, hold and pay -----------------------------------------------------------------
echo "==> the crowd: $CROWD users in bulk (straight into Postgres, tokens signed with the system's key), the bench's concerts"
dotnet bench/Ticketing.Bench.Crowd/bin/Release/net10.0/Ticketing.Bench.Crowd.dll \
  "Host=127.0.0.1;Port=$TICKETING_POSTGRES_PORT;Username=postgres;Password=$password;Database=ticketing" \
  "$Ticketing__Auth__SigningKey" "$CROWD" "$JOIN_CONCERTS" "$PAY_SCHEDULES" "$work" | sed 's/^/  /'
{ lua_table crowd "$work/crowd-users.txt" 2; lua_table concerts "$work/join-concerts.txt" 1; } >"$work/crowd.lua"
cat >"$work/joins.lua" <<LUA
dofile("$work/crowd.lua")
dofile("$PWD/bench/wrk/report.lua")
-- Request k (numbered across both threads) is crowd user k mod #crowd joining concert k div #crowd: every join is a fresh one
-- until #crowd x #concerts joins have been made.
local n = 0
function request()
  local k = n * 2 + (thread_id - 1)
  n = n + 1
  local user = crowd[(k % #crowd) + 1]
  local concert = concerts[(math.floor(k / #crowd) % #concerts) + 1]
  return wrk.format("POST", "/api/concerts/" .. concert .. "/queue", { ["Authorization"] = "Bearer " .. user })
end
LUA
run_wrk "POST /api/concerts/{id}/queue (join)" "$work/joins.lua"

# Admission latency of those joins, from Redis: each token keeps when its join reached the Api (joinedAt) and when the worker
# admitted it (admittedAt), both Unix ms on this machine's clock.
active_lists=$(sed 's/-//g; s/.*/wr:&:active/' "$work/join-concerts.txt" | tr '\n' ' ')
# shellcheck disable=SC2086
redis-cli "${redis_auth[@]}" -p "$TICKETING_REDIS_PORT" --raw EVAL "
  local d = {}
  for _, key in ipairs(KEYS) do
    for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
      local v = redis.call('HMGET', 'wr:tok:' .. id, 'joinedAt', 'admittedAt')
      if v[1] and v[2] then d[#d + 1] = tonumber(v[2]) - tonumber(v[1]) end
    end
  end
  return d" "$JOIN_CONCERTS" $active_lists | sort -n >"$work/admission-ms.txt"
admission=$(awk 'function at(q,  i) { i = int(NR * q); if (i < 1) i = 1; return v[i] }
  { v[NR] = $1 }
  END {
    if (NR == 0) { print "{\"admitted\":0}"; exit }
    printf "{\"admitted\":%d,\"p50_ms\":%d,\"p95_ms\":%d,\"p99_ms\":%d,\"max_ms\":%d}\n", NR, at(0.50), at(0.95), at(0.99), v[NR]
  }' "$work/admission-ms.txt")
echo "  admission after join (Redis joinedAt -> admittedAt): $(echo "$admission" | jq -r '"\(.admitted) admitted, p50 \(.p50_ms) ms, p95 \(.p95_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms"')"

echo "==> hold and pay: $PAYERS crowd users join the pay concert, then hold free seats and pay them ($((PAY_SCHEDULES * 50)) seats)"
pay_concert=$(cat "$work/pay-concert.txt")
# each line of crowd-users.txt is "userId token"; xargs appends them after the Api's address and the concert ($2 $3)
head -n "$PAYERS" "$work/crowd-users.txt" | xargs -P 8 -L1 sh -c '
  queue=$(curl -sf -X POST -H "Authorization: Bearer $3" "$0/api/concerts/$1/queue" | jq -r .queueToken)
  echo "$3 $queue"' "$A" "$pay_concert" >"$work/payers.txt"
[[ $(wc -l <"$work/payers.txt") -eq $PAYERS ]] || { echo "error: only $(wc -l <"$work/payers.txt") of $PAYERS payers joined" >&2; exit 1; }
for _ in $(seq 1 50); do
  [[ $(redis-cli "${redis_auth[@]}" -p "$TICKETING_REDIS_PORT" ZCARD "wr:${pay_concert//-/}:active") -eq $PAYERS ]] && break
  sleep 0.2
done
{ lua_table payers "$work/payers.txt" 1 2; lua_table schedules "$work/pay-schedules.txt" 1; } >"$work/payers.lua"
cat >"$work/hold-free.lua" <<LUA
dofile("$work/payers.lua")
dofile("$PWD/bench/wrk/report.lua")
-- Request k holds seat (k mod 50) + 1 of schedule k div 50 as payer k mod #payers: every attempt is on a free seat until the
-- seats run out. Each created hold is written down as "payer holdId" for the payment step.
local index = {}
for i, s in ipairs(schedules) do index[s] = i - 1 end
local n, out = 0, nil
local count, base_init = response, init
function init(args)
  base_init(args)
  out = io.open("$work/holds-" .. thread_id .. ".txt", "w")
  out:setvbuf("line")
end
function request()
  local k = n * 2 + (thread_id - 1)
  n = n + 1
  local payer = payers[(k % #payers) + 1]
  local body = string.format('{"scheduleId":"%s","seatNumber":%d}', schedules[(math.floor(k / 50) % #schedules) + 1], (k % 50) + 1)
  return wrk.format("POST", "/api/holds", { ["Authorization"] = "Bearer " .. payer[1], ["X-Queue-Token"] = payer[2], ["Content-Type"] = "application/json" }, body)
end
function response(status, headers, body)
  count(status, headers, body)
  if status == 201 then
    local k = index[body:match('"scheduleId":"([%x%-]+)"')] * 50 + tonumber(body:match('"seatNumber":(%d+)')) - 1
    out:write((k % #payers) + 1, " ", body:match('"holdId":"([%x%-]+)"'), "\n")
  end
end
LUA
run_wrk "POST /api/holds (free seat: 201)" "$work/hold-free.lua"
{
  echo "holds = {"; cat "$work"/holds-*.txt | shuf | awk '{ printf "  {%s, \"%s\"},\n", $1, $2 }'; echo "}"
} >"$work/holds.lua"
cat >"$work/pay.lua" <<LUA
dofile("$work/payers.lua")
dofile("$work/holds.lua")
dofile("$PWD/bench/wrk/report.lua")
-- Request k pays hold k (in a shuffled order), as its owner: every payment is a fresh one until the holds run out.
local n = 0
function request()
  local k = n * 2 + (thread_id - 1)
  n = n + 1
  local hold = holds[(k % #holds) + 1]
  local payer = payers[hold[1]]
  return wrk.format("POST", "/api/payments", { ["Authorization"] = "Bearer " .. payer[1], ["X-Queue-Token"] = payer[2], ["Content-Type"] = "application/json" },
    string.format('{"holdId":"%s"}', hold[2]))
end
LUA
run_wrk "POST /api/payments (held seat: 201)" "$work/pay.lua"

# --- the database's own ceiling for the money paths ------------------------------------------------------------------
# pgbench runs the charge's and the payment's own statements (BalanceLedger.CreditSql, PaymentsEndpoints.PaySql: one statement,
# one transaction each, as the Api sends them without an Idempotency-Key) with the same number of clients, prepared, against the
# same tables: the money paths' rate as a share of it says how close the Api gets to the database's limit. Each pgbench
# statement also picks its user (and the payment its seat) by primary key from a numbered table, which the Api gets as
# parameters: a little more work per statement, so the ceiling is a little low and the shares a little flattering.
# Its rows are real charges and payments (with their history rows): the checks below count them like the Api's.
echo "==> Postgres ceiling: pgbench runs the charge's and the payment's own statements ($CONNECTIONS clients, ${SECONDS_PER_STEP} s each)"
pg_free_seats=$(psql_q "
  CREATE TABLE bench_pg_users AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users;
  ALTER TABLE bench_pg_users ADD PRIMARY KEY (n);
  CREATE TABLE bench_pg_seats AS
    SELECT row_number() OVER (ORDER BY s.schedule_id, s.seat_number) - 1 AS n, s.schedule_id, s.seat_number, s.price
    FROM seats s JOIN schedules sc ON sc.id = s.schedule_id
    WHERE sc.concert_id = '$(cat "$work/pay-concert.txt")'
      AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.schedule_id = s.schedule_id AND r.seat_number = s.seat_number AND r.status = 'CONFIRMED');
  ALTER TABLE bench_pg_seats ADD PRIMARY KEY (n);
  CREATE SEQUENCE bench_pg_seat MINVALUE 0 START 0;
  SELECT count(*) FROM bench_pg_seats;" | tail -1)
pg_users=$(psql_q "SELECT count(*) FROM bench_pg_users")
cat >"$work/pg-charge.sql" <<'SQL'
\set u random(1, :users)
WITH who AS (SELECT id FROM bench_pg_users WHERE n = :u),
credited AS (UPDATE users SET balance = balance + 1000 WHERE id = (SELECT id FROM who) RETURNING balance)
INSERT INTO balance_history (user_id, kind, amount, balance_after)
SELECT (SELECT id FROM who), 'CHARGE', 1000, balance FROM credited
RETURNING balance_after;
SQL
cat >"$work/pg-pay.sql" <<'SQL'
\set u random(1, :users)
WITH pick AS (
    SELECT b.schedule_id, b.seat_number, b.price, (SELECT id FROM bench_pg_users WHERE n = :u) AS user_id,
           gen_random_uuid() AS reservation_id, gen_random_uuid() AS payment_id, gen_random_uuid() AS hold_id, now() AS paid_at
    FROM (SELECT nextval('bench_pg_seat') AS v) seq JOIN bench_pg_seats b ON b.n = seq.v),
on_sale AS (
    SELECT 1 FROM schedules WHERE id = (SELECT schedule_id FROM pick) AND cancelled_at IS NULL FOR KEY SHARE),
debit AS (
    UPDATE users SET balance = balance - (SELECT price FROM pick)
    WHERE id = (SELECT user_id FROM pick) AND balance >= (SELECT price FROM pick) AND EXISTS (SELECT 1 FROM on_sale) RETURNING balance),
reservation AS (
    INSERT INTO reservations (id, user_id, schedule_id, seat_number, price, paid_at)
    SELECT reservation_id, user_id, schedule_id, seat_number, price, paid_at FROM pick, debit),
payment AS (
    INSERT INTO payments (id, user_id, reservation_id, hold_id, amount, paid_at)
    SELECT payment_id, user_id, reservation_id, hold_id, price, paid_at FROM pick, debit),
history AS (
    INSERT INTO balance_history (user_id, kind, amount, balance_after, payment_id, at)
    SELECT user_id, 'PAYMENT', price, balance, payment_id, paid_at FROM pick, debit)
SELECT balance FROM debit;
SQL
# pg_ceiling NAME SCRIPT: pgbench for SECONDS_PER_STEP with CONNECTIONS clients; prints and appends {"name", "tps", "p50_ms",
# "p99_ms"} (latencies from its per-transaction log) to the ceilings file.
pg_ceilings="$work/pg-ceilings.jsonl"
pg_ceiling() {
  local name=$1 script=$2 tps
  printf '  %-34s ' "$name"
  rm -f "$work"/pglog.*
  tps=$(PGPASSWORD="$password" pgbench -h 127.0.0.1 -p "$TICKETING_POSTGRES_PORT" -U postgres -n -M prepared -c "$CONNECTIONS" -j 2 \
      -T "$SECONDS_PER_STEP" -D users="$pg_users" -f "$script" -l --log-prefix="$work/pglog" ticketing 2>"$work/pgbench.err" \
    | awk '/^tps = / { print $3 }') || true
  [[ -n $tps ]] || { cat "$work/pgbench.err" >&2; echo "error: pgbench did not run ($name)" >&2; exit 1; }
  cat "$work"/pglog.* | awk '{ print $3 / 1000 }' | sort -n | awk -v name="$name" -v tps="$tps" '
    { v[NR] = $1 } END { printf "{\"name\":\"%s\",\"tps\":%s,\"p50_ms\":%.2f,\"p99_ms\":%.2f}\n", name, tps, v[int(NR * 0.5)], v[int(NR * 0.99)] }' \
    | tee -a "$pg_ceilings" | jq -r '"\(.tps|floor) tx/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms"'
}
pg_charges_before=$(psql_q "SELECT count(*) FROM balance_history WHERE kind = 'CHARGE'")
pg_ceiling "charge statement" "$work/pg-charge.sql"
pg_charges=$(($(psql_q "SELECT count(*) FROM balance_history WHERE kind = 'CHARGE'") - pg_charges_before))
pg_ceiling "payment statement" "$work/pg-pay.sql"
pg_seats_used=$(psql_q "SELECT CASE WHEN is_called THEN last_value + 1 ELSE 0 END FROM bench_pg_seat")
((pg_seats_used < pg_free_seats)) || echo "  note: pgbench's payments ran out of free seats ($pg_free_seats); raise BENCH_PAY_SCHEDULES" >&2
psql_q "DROP TABLE bench_pg_users, bench_pg_seats; DROP SEQUENCE bench_pg_seat" >/dev/null

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

sold_twice=$(seats_sold_twice)
reservations=$(psql_q "SELECT count(*) FROM reservations")
payments=$(psql_q "SELECT count(*) FROM payments")
# Points: every balance is exactly its charges minus its payments plus its refunds, and every payment is one PAYMENT row.
unbalanced=$(users_not_their_history)
payment_rows=$(psql_q "SELECT CASE WHEN (SELECT count(*) FROM payments) = (SELECT count(*) FROM balance_history WHERE kind = 'PAYMENT') AND (SELECT COALESCE(sum(amount), 0) FROM payments) = (SELECT COALESCE(sum(amount), 0) FROM balance_history WHERE kind = 'PAYMENT') THEN 'true' ELSE 'false' END")
charged_ok=$(jq -s '[.[] | select(.path | startswith("POST /api/balance/charges")) | .status["200"] // 0] | add // 0' "$steps")
charge_rows=$(psql_q "SELECT count(*) FROM balance_history WHERE kind = 'CHARGE'")

# --- report --------------------------------------------------------------------------------------------------------
jq -s --arg at "$started_at" --arg machine "$(nproc) cores, $(uname -r)" --argjson redis "$redis_rps" --argjson kestrel "$kestrel_rps" --argjson kestrelCpu "$kestrel_cpu" \
  --argjson seconds "$SECONDS_PER_STEP" --argjson connections "$CONNECTIONS" --argjson users "$USERS" \
  --argjson soldTwice "$sold_twice" --argjson reservations "$reservations" --argjson payments "$payments" \
  --argjson unbalanced "$unbalanced" --argjson paymentRowsMatch "$payment_rows" --argjson chargedOk "$charged_ok" --argjson chargeRows "$charge_rows" \
  --argjson crowd "$CROWD" --argjson admission "$admission" --argjson streams "$streams_json" --slurpfile pg "$pg_ceilings" '
  { at: $at, machine: $machine, seconds: $seconds, connections: $connections, users: $users, crowd: $crowd,
    admissionAfterJoin: $admission, streams: $streams,
    ceilings: { redisSetNxPx: $redis, kestrelHelloWorld: $kestrel, kestrelHelloWorldCpuUsPerRequest: $kestrelCpu },
    postgresCeilings: ($pg | map({ (.name): del(.name) }) | add),
    moneyPathsOfPostgres: (
      ($pg | map({ (.name): .tps }) | add) as $tps
      | { charge: ((map(select(.path == "POST /api/balance/charges"))[0].rps // 0) / $tps["charge statement"]),
          payment: ((map(select(.path == "POST /api/payments (held seat: 201)"))[0].rps // 0) / $tps["payment statement"]) }),
    paths: [ .[] | . + { ofRedis: (.rps / $redis), ofKestrel: (.rps / $kestrel) } ],
    checks: { seatsSoldTwice: $soldTwice, reservations: $reservations, payments: $payments,
              usersWhoseBalanceIsNotTheirHistory: $unbalanced, paymentsMatchTheirHistoryRows: $paymentRowsMatch,
              chargesAnswered200: $chargedOk, chargeHistoryRows: $chargeRows } }' "$steps" >"$results"

echo
echo "Ticketing bench, $started_at, $(nproc) cores; ceilings: Redis SET NX PX $(printf '%.0f' "$redis_rps")/s, Kestrel hello-world $(printf '%.0f' "$kestrel_rps")/s ($kestrel_cpu µs CPU/req)"
jq -r '
  ["path", "req/s", "p50 ms", "p95 ms", "p99 ms", "statuses", "of Redis", "of Kestrel", "CPU µs/req: api redis pg other wrk"],
  (.paths[] | [.path, (.rps|floor), .p50_ms, .p95_ms, .p99_ms, (.status|to_entries|map("\(.key)×\(.value)")|join(" ")),
               ((.ofRedis*1000|floor)/10|tostring + "%"), ((.ofKestrel*1000|floor)/10|tostring + "%"),
               (.cpu_us_per_request // {} | "\(.api|floor) \(.redis|floor) \(.postgres|floor) \((.queueworker + .apphost)|floor) \(.wrk|floor)")])
  | @tsv' "$results" | column -t -s $'\t'
jq -r '.postgresCeilings as $c | .moneyPathsOfPostgres as $r
  | "money paths against pgbench running their own statements: charges \($r.charge * 1000 | floor / 10)% of \($c["charge statement"].tps | floor) tx/s (p99 \($c["charge statement"].p99_ms) ms), payments \($r.payment * 1000 | floor / 10)% of \($c["payment statement"].tps | floor) tx/s (p99 \($c["payment statement"].p99_ms) ms)"' "$results"
echo "admission after join (the join step's tokens): $(jq -r '.admissionAfterJoin | "\(.admitted) admitted; p50 \(.p50_ms) ms, p95 \(.p95_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms"' "$results")"
jq -r '.streams | select(.streams != null) | "live streams: \(.ready.opened) of \(.streams) open (first event p50 \(.ready.firstEventMs.p50) ms, p99 \(.ready.firstEventMs.p99) ms); \(.held.moves) moves of the line while held, \(.held.eventsWhileHeld) events delivered, \(.held.exactPositions) exact places at the end; a move reached every stream in p50 \(.held.moveDeliveryMs.p50) ms, p99 \(.held.moveDeliveryMs.p99) ms, max \(.held.moveDeliveryMs.max) ms; Api memory \(.kbPerStream) KiB per stream"' "$results"
echo
jq -r '.checks | "checks: seats sold twice \(.seatsSoldTwice) (of \(.reservations) reservations, \(.payments) payments); users whose balance is not their history \(.usersWhoseBalanceIsNotTheirHistory); payments match their history rows \(.paymentsMatchTheirHistoryRows); charges answered 200 \(.chargesAnswered200), CHARGE rows \(.chargeHistoryRows) (incl. one top-up per user; may exceed by the requests cut off in flight)"' "$results"
echo "results: $results"

# wrk ends a step by closing its connections: a charge in flight then (at most one per connection and step) commits without
# its answer being counted, so the CHARGE rows may exceed the counted 200s by that much, never fall below them.
charge_rows_of_steps=$((charge_rows - USERS - CROWD - pg_charges)) # one top-up per user before the contention step; one opening charge per crowd user; pgbench's
if [[ $sold_twice != 0 || $unbalanced != 0 || $payment_rows != true ]] \
  || ((charge_rows_of_steps < charged_ok || charge_rows_of_steps > charged_ok + 2 * CONNECTIONS)); then
  echo "FAILED: a correctness check did not hold (see above)" >&2
  exit 1
fi

# --- the sale opening, as part of the full run --------------------------------------------------------------------------
# It needs a bounded active set (the paths above need an unbounded one), so it runs on a fresh system of its own, after this one
# stopped: the same command with BENCH_ONLY=sale. BENCH_SALE=0 leaves it out.
if [[ ${BENCH_SALE:-1} == 1 ]]; then
  stop_all
  echo
  echo "==> the sale opening (BENCH_ONLY=sale), on a fresh system with its own settings"
  # In the background and waited for, so that a SIGTERM or SIGINT to this run reaches it at once (through stop_all).
  BENCH_ONLY=sale BENCH_SKIP_SETUP=1 "$0" &
  sale_run_pid=$!
  sale_status=0
  wait "$sale_run_pid" || sale_status=$?
  sale_run_pid=""
  exit "$sale_status"
fi
