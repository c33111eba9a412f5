-- wrk script: GET /products/1 .. /products/10000 round-robin (the seeded catalog), used by make bench and bench-read.
-- KEYS_PATH=/prices/ reads the prices of the same products.
local prefix = os.getenv("KEYS_PATH") or "/products/"
local i = 0
request = function()
  i = (i % 10000) + 1
  return wrk.format("GET", prefix .. i)
end
