-- wrk script: POSTs one JSON request body per request, taken in turn from a file (one body a
-- line), with a bearer token, over keep-alive connections.
--   wrk -t2 -c32 -d15s --latency -s bench/post.lua URL -- BODIES_FILE TOKEN
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  assert(#bodies > 0, "no request bodies in " .. args[1])
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  -- Threads start at different places so that they do not ask the same thing at once.
  i = ((tid or 0) * 7919) % #bodies
end

function request()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
