-- GET /api/v1/grids/locate at uniformly random WGS-84 points inside the county, as officers.
-- Arguments: officer token file, then lat_min lat_max lon_min lon_max.
dofile("scripts/loadtest/common.lua")

function init(args)
  seed_random()
  tokens = read_rows(args[1])
  lat_min, lat_max = tonumber(args[2]), tonumber(args[3])
  lon_min, lon_max = tonumber(args[4]), tonumber(args[5])
end

function request()
  local lat = lat_min + math.random() * (lat_max - lat_min)
  local lon = lon_min + math.random() * (lon_max - lon_min)
  local token = tokens[math.random(#tokens)][1]
  return wrk.format("GET", string.format("/api/v1/grids/locate?lat=%.6f&lon=%.6f", lat, lon),
    { ["Authorization"] = "Bearer " .. token })
end
