-- POST /api/v1/tasks/{id}/check-ins as grid workers on tasks they have accepted (or started),
-- each a fresh GPS fix within ~40 m of the target with its own client_id. Argument: a file of
-- "token task_id lat lon" lines.
dofile("scripts/loadtest/common.lua")
tally_statuses()

function init(args)
  seed_random()
  rows = read_rows(args[1])
  n = math.random(#rows)
  counter = 0
  run = string.format("%x%x", os.time(), math.random(0, 0xffff))
end

function request()
  n = n % #rows + 1
  counter = counter + 1
  local row = rows[n]
  local lat = tonumber(row[3]) + (math.random() - 0.5) * 0.0007
  local lon = tonumber(row[4]) + (math.random() - 0.5) * 0.0007
  local body = string.format(
    '{"client_id":"lt-%s-%d-%d","lat":%.6f,"lon":%.6f,"crs":"wgs84","accuracy_m":12,"captured_at":"%s"}',
    run, thread_no or 0, counter, lat, lon, os.date("!%Y-%m-%dT%H:%M:%SZ"))
  return wrk.format("POST", "/api/v1/tasks/" .. row[2] .. "/check-ins", {
    ["Authorization"] = "Bearer " .. row[1],
    ["Content-Type"] = "application/json",
  }, body)
end
