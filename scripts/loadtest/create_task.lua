-- POST /api/v1/cases/{id}/tasks as officers: random open cases of the court, random target
-- points in the county, a mix of task kinds (some only a third of the workers are certified for,
-- so automatic assignment has to look at neighbouring grids). Every task is assigned or queued
-- by the service's own rule. Arguments: officer token file, case_min case_max, lat_min lat_max
-- lon_min lon_max.
dofile("scripts/loadtest/common.lua")
tally_statuses()

local kinds = { "serve_documents", "serve_documents", "urge_performance", "publicize_dishonesty",
  "locate_person", "locate_assets" }

function init(args)
  seed_random()
  tokens = read_rows(args[1])
  case_min, case_max = tonumber(args[2]), tonumber(args[3])
  lat_min, lat_max = tonumber(args[4]), tonumber(args[5])
  lon_min, lon_max = tonumber(args[6]), tonumber(args[7])
end

function request()
  local case_id = math.random(case_min, case_max)
  local lat = lat_min + math.random() * (lat_max - lat_min)
  local lon = lon_min + math.random() * (lon_max - lon_min)
  local kind = kinds[math.random(#kinds)]
  local body = string.format(
    '{"kind":"%s","instructions":"负载测试 %s","target":{"lat":%.6f,"lon":%.6f,"crs":"wgs84"}}',
    kind, kind, lat, lon)
  return wrk.format("POST", "/api/v1/cases/" .. case_id .. "/tasks", {
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)][1],
    ["Content-Type"] = "application/json",
  }, body)
end
