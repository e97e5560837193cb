-- wrk script: POST check-ins of walk-in groups, each with a fresh event_id, round-robin
-- over the five seeded shelters. Set TOKEN, and DELAY_MS (how long each connection waits
-- after an answer before its next request; 0 = as fast as possible) in the environment.
-- With PASSES (comma-separated pass codes of registered households), every other request
-- is a pass-code scan instead: each thread walks its own share of the passes, checking a
-- household in at one shelter and out again on its next turn.
local token = os.getenv("TOKEN") or "bench-admin-token-0123456789abcdefghij"
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local shelters = {"S01", "S02", "S03", "S04", "S05"}
local passes = {}
for code in string.gmatch(os.getenv("PASSES") or "", "[^,]+") do
  passes[#passes + 1] = code
end
local n = 0
local turn = {}

local threads = 0

function setup(thread)
  thread:set("id", math.random(1, 1e9))
  thread:set("index", threads)
  threads = threads + 1
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

local function scan()
  -- Passes i with i % 2 == index (2 wrk threads) belong to this thread: no two threads
  -- scan the same household, so in and out alternate as at a real door.
  local mine = math.floor(#passes / 2)
  local k = (math.floor(n / 2) % mine) * 2 + index + 1
  local code = passes[k]
  local inside = turn[code] or false
  turn[code] = not inside
  local kind = inside and "check_out" or "check_in"
  return '{"event_id":"' .. uuid() .. '","shelter_id":"S0' .. (k % 5 + 1) ..
    '","kind":"' .. kind .. '","pass_code":"' .. code .. '","headcount":null}'
end

function request()
  n = n + 1
  if #passes >= 2 and n % 2 == 0 then
    return wrk.format("POST", "/api/v1/events",
      {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, scan())
  end
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
