-- Posts public replies to one ticket as a logged-in customer (bench/run.sh sets the URL to
-- /tickets/ID/reply, the session cookie with -H, and the session's CSRF token in BENCH_CSRF).
-- Each reply has its own text. A 303 redirect back to the ticket is a success.
local csrf = os.getenv("BENCH_CSRF") or ""
local counter = 0

request = function()
  counter = counter + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local body = "_csrf=" .. csrf .. "&body=Benchmark+reply+" .. counter ..
    "+from+wrk%3A+the+export+still+times+out+after+the+update."
  return wrk.format("POST", nil, headers, body)
end

dofile("bench/wrk/report.lua")
