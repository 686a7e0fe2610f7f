-- Shared by the wrk scripts of scripts/loadtest.sh: per-thread random seeds, reading the
-- prepared data files, and one machine-readable RESULT line at the end.
--
-- Each wrk thread runs its own Lua state: `setup` numbers the threads so they draw different
-- random sequences; `done` runs once, in the main state, with wrk's own totals.

local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
  table.insert(threads, thread)
end

-- Lines of a data file, split on spaces.
function read_rows(path)
  local rows = {}
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  for line in f:lines() do
    if line ~= "" then
      local row = {}
      for field in line:gmatch("%S+") do table.insert(row, field) end
      table.insert(rows, row)
    end
  end
  f:close()
  assert(#rows > 0, path .. " is empty")
  return rows
end

function seed_random()
  math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
  for _ = 1, 10 do math.random() end
end

-- Counting responses by status costs wrk a Lua call per response, so only scripts that want it
-- (the write endpoints, where a non-2xx needs explaining) call this.
function tally_statuses()
  statuses = {}
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local by_status = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for code, n in pairs(s) do by_status[code] = (by_status[code] or 0) + n end
    end
  end
  local codes = {}
  for code, n in pairs(by_status) do table.insert(codes, code .. ":" .. n) end
  table.sort(codes)
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.1f non2xx=%d connect=%d read=%d write=%d timeout=%d statuses=%s\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout,
    (#codes > 0) and table.concat(codes, ",") or "-"))
end
