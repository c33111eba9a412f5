-- Written by the CDC relay's heartbeat action query, so the replication slot advances on a quiet database
-- and the relay's lag is measurable at all times.
CREATE TABLE cdc_heartbeat (
    id      INT         PRIMARY KEY,
    beat_at TIMESTAMPTZ NOT NULL
);
INSERT INTO cdc_heartbeat (id, beat_at) VALUES (1, now());
