-- wrk reporter for ./bench.sh: counts responses per HTTP status in every thread and, when the run ends, prints one
-- JSON line: {"requests":…,"seconds":…,"rps":…,"p50_ms":…,"p95_ms":…,"p99_ms":…,"max_ms":…,"socket_errors":…,"status":{…}}
-- A path script sets wrk.method/body/headers (or request()) and then loads this file with dofile().
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads) -- a global in that thread: 1, 2, …
end

function init(args)
  status_counts = {}
end

function response(status, headers, body)
  status_counts[status] = (status_counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    local counts = t:get("status_counts")
    for code, n in pairs(counts) do merged[code] = (merged[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(merged) do table.insert(parts, string.format('"%d":%d', code, n)) end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"seconds":%.2f,"rps":%.1f,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"socket_errors":%d,"status":{%s}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
