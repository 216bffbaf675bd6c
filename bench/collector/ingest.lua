-- wrk script: 10,000 simulated stations posting to loaxa-collector's /ingest.
-- Each request is one station's report, as loaxad sends it: a heartbeat (one in
-- four requests, as with a 60 s heartbeat and a few items an hour), or a batch of
-- 1-3 as-played lines (a slot start: chime, bulletin, first playlist item), with
-- that station's Bearer token. Lines are unique (start times move on), so every
-- one is a real insert. Tokens come from $STATIONS ("NAME<TAB>TOKEN" lines).
local stations = {}
local n = 0
local counter = 0

function setup(thread)
  thread:set("id", n)
  n = n + 1
end

function init(args)
  for line in io.lines(os.getenv("STATIONS")) do
    local name, tok = line:match("^(.-)\t(%x+)$")
    stations[#stations + 1] = { name = name, auth = "Bearer " .. tok }
  end
  counter = id * 1000000
  math.randomseed(id + os.time())
end

local kinds = { "chime", "bulletin", "playlist" }

local function iso(ms)
  local s = math.floor(ms / 1000)
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. string.format(".%03dZ", ms % 1000)
end

function request()
  counter = counter + 1
  local st = stations[(counter % #stations) + 1]
  local body
  if counter % 4 == 0 then
    body = string.format('{"type":"heartbeat","station":"%s","time":"%s","version":"0.1.0",'
      .. '"online":true,"uptime_s":3600,"on_air":{"slot":"morning","kind":"playlist",'
      .. '"source":"/srv/music/a.mp3"},"volume":90,"muted":false,"muted_all":false,'
      .. '"sound_card":{"device":"default","ok":true,"underruns":0},"last_fetch":[{"url":'
      .. '"https://province.example/loaxa/index.atom","last_fetch":"%s","outcome":"not modified"}],'
      .. '"disk":{"path":"/var/lib/loaxa","free_bytes":3000000000,"total_bytes":8000000000}}\n',
      st.name, iso(os.time() * 1000), iso(os.time() * 1000))
  else
    local lines = {}
    local base = (os.time() - 60) * 1000 + (counter % 1000)
    for k = 1, 1 + counter % 3 do
      local kind = kinds[k]
      local extra = ""
      if kind == "bulletin" then
        extra = ',"bulletin":"BENCH-' .. (counter % 7) .. '","priority":"normal","language":"vi"'
      end
      lines[k] = string.format('{"start":"%s","end":"%s","slot":"morning","kind":"%s",'
        .. '"source":"/var/cache/loaxa/%d.mp3","result":"completed","played_s":12.5%s,'
        .. '"station":"%s"}\n', iso(base + counter * 10 + k), iso(base + counter * 10 + k + 12500),
        kind, counter, extra, st.name)
    end
    body = table.concat(lines)
  end
  return wrk.format("POST", "/ingest", { ["Authorization"] = st.auth,
    ["Content-Type"] = "application/x-ndjson" }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("HTTP " .. status .. ": " .. body .. "\n")
  end
end
