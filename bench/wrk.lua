-- wrk script of the HTTP benchmarks (driven by bench/harness.py, `run_wrk`).
--
--   wrk ... URL -- <targets file> <threads> <once|cycle> <method> [body]
--
-- The targets file has one request per line: a path, optionally followed by a tab and an API
-- token (sent as "Authorization: Bearer <token>"). Thread i of n takes lines i, i+n, i+2n, ...
-- (its own slice). "cycle" goes round the slice again and again; "once" sends each line once,
-- and a thread whose slice runs out stops and reports it (the run is then invalid: it needs a
-- bigger pool). Every response is classified, since wrk itself only counts statuses >= 400 as
-- errors, and done() prints one line "WRK_JSON {...}" with the totals and the latency
-- percentiles (microseconds).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads, mode, method, body = args[1], tonumber(args[2]), args[3], args[4], args[5]
  if body == nil or body == "" then
    body = nil
  end
  once = mode == "once"
  requests = {}
  local i = 0
  for line in io.lines(file) do
    if line ~= "" then
      if i % nthreads == id then
        local path, token = line:match("^([^\t]+)\t?(.*)$")
        local headers = {}
        for name, value in pairs(wrk.headers) do
          headers[name] = value
        end
        if token ~= "" then
          headers["Authorization"] = "Bearer " .. token
        end
        requests[#requests + 1] = wrk.format(method, path, headers, body)
      end
      i = i + 1
    end
  end
  idle = wrk.format("GET", "/healthz")
  pos, sent, ok, other, exhausted = 0, 0, 0, 0, 0
  statuses = {}
end

function request()
  pos = pos + 1
  if pos > #requests then
    if once then
      exhausted = 1
      wrk.thread:stop()
      return idle
    end
    pos = 1
  end
  sent = sent + 1
  return requests[pos]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    other = other + 1
  end
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local sent_total, ok_total, other_total, exhausted_total = 0, 0, 0, 0
  local status_totals = {}
  for _, thread in ipairs(threads) do
    sent_total = sent_total + thread:get("sent")
    ok_total = ok_total + thread:get("ok")
    other_total = other_total + thread:get("other")
    exhausted_total = exhausted_total + thread:get("exhausted")
    for key, n in pairs(thread:get("statuses")) do
      status_totals[key] = (status_totals[key] or 0) + n
    end
  end
  local parts = {}
  for key, n in pairs(status_totals) do
    parts[#parts + 1] = string.format('"%s":%d', key, n)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us":%d,"requests":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"sent":%d,"ok":%d,"other":%d,"exhausted_threads":%d,"statuses":{%s},'
      .. '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,'
      .. '"p50":%d,"p90":%d,"p95":%d,"p99":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    sent_total, ok_total, other_total, exhausted_total, table.concat(parts, ","),
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99)
  ))
end
