-- POSTs BENCH_BODY with a unique id in place of its %s, so every request adds a new job.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local body = os.getenv("BENCH_BODY")
local prefix = os.getenv("BENCH_PREFIX")
local sent = 0

function request()
  sent = sent + 1
  local id = string.format("%s-%d-%d", prefix, thread_id, sent)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, string.format(body, id))
end
