-- wrk script of scripts/bench_http.py: every request comes from a new visitor, as a press
-- release's readers do. wrk keeps no cookie, and each request carries an address of its own in
-- X-Forwarded-For (the server runs with TRUSTED_PROXY_COUNT=1, as behind nginx), so neither the
-- 24-hour cookie nor the per-address cap stops counting.
--
--   wrk ... -s scripts/bench_http.lua URL -- "<User-Agent>" <first address>
--
-- done() prints one line, "BENCH {json}", with the figures bench_http.py reads: requests
-- answered, requests sent (answered + those still in flight when wrk stopped, which the server
-- answers anyway and counts), errors and the latency percentiles in microseconds.

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   user_agent = args[1]
   -- Addresses 10.0.0.0/8 from the given offset; each thread has its own 2^22 of them.
   next_address = (tonumber(args[2]) or 0) + index * 4194304
   sent = 0
   -- wrk calls request() once in thread 0 before the run starts, to check what it returns
   -- (script_verify_request in wrk 4.1): that request is never sent, so it is not counted.
   checked = index ~= 0
end

local function address(n)
   n = n % 16777216
   return string.format("10.%d.%d.%d", math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
end

function request()
   next_address = next_address + 1
   if checked then
      sent = sent + 1
   else
      checked = true
   end
   return wrk.format("GET", nil, {
      ["User-Agent"] = user_agent,
      ["X-Forwarded-For"] = address(next_address),
      ["Accept-Language"] = "en",
   })
end

function done(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("sent")
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "sent": %d, "duration_us": %d, "bytes": %d, '
         .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, '
         .. '"status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d}\n',
      summary.requests, total, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
