-- wrk script: GET /okta/scim/Users?filter=userName eq "<a stored user>" with the
-- organization's Host header and the SCIM bearer token, a different user on each request.
-- Environment: FILTER_HOST, FILTER_TOKEN, FILTER_USERS (how many are stored), FILTER_PREFIX.

local host = os.getenv("FILTER_HOST")
local token = os.getenv("FILTER_TOKEN")
local users = tonumber(os.getenv("FILTER_USERS"))
local prefix = os.getenv("FILTER_PREFIX")
local counter = 0

local function encode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function setup(thread)
  thread:set("counter", math.random(0, users - 1))
end

function request()
  counter = (counter + 7919) % users
  local email = string.format("%s%06d@load.example.com", prefix, counter)
  local path = "/okta/scim/Users?filter=" .. encode('userName eq "' .. email .. '"')
  return wrk.format("GET", path, {
    ["Host"] = host,
    ["Authorization"] = "Bearer " .. token,
    ["Accept"] = "application/scim+json",
  })
end

local answered = 0

function response(status, headers, body)
  -- Every lookup answers 200; one in 64 is checked to find exactly its one user.
  answered = answered + 1
  if status ~= 200 or (answered % 64 == 0 and not body:find('"totalResults":1', 1, true)) then
    wrk.thread:stop()
    io.stderr:write("unexpected answer: " .. status .. " " .. body:sub(1, 200) .. "\n")
  end
end
