-- Colonia trend alerts (reports::trends): one row per region, colonia, category and ISO week
-- that was alerted. The primary key makes an alert go out once whatever the number of
-- replicas or restarts; the rows of the weeks before are the cool-down.
CREATE TABLE trend_alerts (
    region        TEXT             NOT NULL,
    municipality  TEXT             NOT NULL,
    colonia       TEXT             NOT NULL,
    category      TEXT             NOT NULL,
    week          TEXT             NOT NULL,
    count         BIGINT           NOT NULL,
    baseline_mean DOUBLE PRECISION NOT NULL,
    alerted_at    TIMESTAMPTZ      NOT NULL,
    recipients    BIGINT           NOT NULL,
    PRIMARY KEY (region, municipality, colonia, category, week)
);
CREATE INDEX trend_alerts_week ON trend_alerts (week, region);
