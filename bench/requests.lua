-- wrk script for `make bench` (bench/wrk.py writes the plan and runs wrk with it):
--   wrk -t2 -c32 -d20s -s bench/requests.lua http://127.0.0.1:PORT -- PLAN RUN_ID
-- PLAN: one request per line, "METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY" (TOKEN "-" for none, BODY may be
-- empty). Each wrk thread walks the plan round robin from its own offset; every POST carries a
-- unique Idempotency-Key (RUN_ID-thread-counter) and every line with a token its bearer token.
-- done() prints one "WRK_JSON {...}" line that bench/wrk.py parses (latencies in microseconds).

local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

local plan = {}
local position = 0
local counter = 0
local run_id = "bench"

function init(args)
  run_id = args[2] or run_id
  for line in io.lines(args[1]) do
    local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      local headers = {}
      if token ~= "-" then
        headers["Authorization"] = "Bearer " .. token
      end
      if body ~= "" then
        headers["Content-Type"] = "application/json"
      else
        body = nil
      end
      plan[#plan + 1] = { method = method, path = path, headers = headers, body = body }
    end
  end
  position = (tid or 0) % #plan
end

function request()
  position = position % #plan + 1
  local item = plan[position]
  if item.method == "POST" then
    counter = counter + 1
    item.headers["Idempotency-Key"] = run_id .. "-" .. (tid or 0) .. "-" .. counter
  end
  return wrk.format(item.method, item.path, item.headers, item.body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
