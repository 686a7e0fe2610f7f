-- GET /api/v1/me/tasks as many different grid workers. Argument: a file of "token [cursor]"
-- lines. With a cursor the phone is up to date and asks what changed since (the steady state);
-- without one it is a new phone fetching its first page of 50.
dofile("scripts/loadtest/common.lua")

function init(args)
  seed_random()
  rows = read_rows(args[1])
  n = math.random(#rows)
end

function request()
  n = n % #rows + 1
  local row = rows[n]
  local path = "/api/v1/me/tasks?limit=50"
  if row[2] then path = path .. "&since=" .. row[2] end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. row[1] })
end
