-- Prints one machine-readable line when a wrk run ends; bench/run.sh parses it.
-- Latencies are in microseconds; status_errors counts responses other than 2xx and 3xx.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "socket_errors=%d status_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write, e.status, e.timeout))
end
