-- wrk script: POST check-ins of walk-in groups, each with a fresh event_id, round-robin
-- over the five seeded shelters. Set TOKEN, and DELAY_MS (how long each connection waits
-- after an answer before its next request; 0 = as fast as possible) in the environment.
local token = os.getenv("TOKEN") or "bench-admin-token-0123456789abcdefghij"
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local shelters = {"S01", "S02", "S03", "S04", "S05"}
local n = 0

function setup(thread)
  thread:set("id", math.random(1, 1e9))
end

function init(args)
  math.randomseed(os.time() + id)
end

local function uuid()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function delay()
  return delay_ms
end

function request()
  n = n + 1
  local body = '{"event_id":"' .. uuid() .. '","shelter_id":"' .. shelters[n % 5 + 1] ..
    '","kind":"check_in","pass_code":null,"headcount":1}'
  return wrk.format("POST", "/api/v1/events",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
  if status ~= 201 and status ~= 200 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
