-- Cycles through the paths listed in the file named by BENCH_PATHS (one path a line), in order,
-- one per request: a mix of pages measured as one scenario (bench/run.sh writes the file). Every
-- request goes to the next path, so each path gets the same share of the requests.
local paths = {}
local file = assert(io.open(os.getenv("BENCH_PATHS") or "", "r"), "BENCH_PATHS: no such file")
for line in file:lines() do
  if line ~= "" then paths[#paths + 1] = line end
end
file:close()
assert(#paths > 0, "BENCH_PATHS lists no path")
local next_path = 0

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

dofile("bench/wrk/report.lua")
