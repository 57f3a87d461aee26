-- Colonia trend alerts (reports::trends): one row per region, colonia, category and ISO week
-- that was alerted. The primary key makes an alert go out once whatever the number of
-- replicas or restarts; the rows of the weeks before are the cool-down.
CREATE TABLE trend_alerts (
    region        TEXT    NOT NULL,
    municipality  TEXT    NOT NULL,
    colonia       TEXT    NOT NULL,
    category      TEXT    NOT NULL,
    week          TEXT    NOT NULL,
    count         INTEGER NOT NULL,
    baseline_mean REAL    NOT NULL,
    alerted_at    TEXT    NOT NULL,
    recipients    INTEGER NOT NULL,
    PRIMARY KEY (region, municipality, colonia, category, week)
);
CREATE INDEX trend_alerts_week ON trend_alerts (week, region);
