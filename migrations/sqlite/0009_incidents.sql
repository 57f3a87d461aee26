-- Incidents: reports about one real-world event, grouped (src/incidents/).

CREATE TABLE incidents (
    id             INTEGER PRIMARY KEY,
    -- The first report: its folio is the incident's, and its status is the incident's.
    lead_report_id INTEGER NOT NULL UNIQUE REFERENCES reports (id),
    region         TEXT    NOT NULL,
    category       TEXT    NOT NULL,
    first_at       TEXT    NOT NULL,
    last_at        TEXT    NOT NULL,
    report_count   INTEGER NOT NULL DEFAULT 1,
    -- The size coordinators were last told about (the follow-up notice's threshold).
    notified_count INTEGER NOT NULL DEFAULT 0,
    -- Set when an operator merged it into another incident; it then holds no reports.
    merged_into    INTEGER REFERENCES incidents (id)
);
CREATE INDEX incidents_open ON incidents (region, last_at) WHERE merged_into IS NULL;

-- Which incident a report is in: one row per report, so two replicas grouping the same
-- report cannot both place it.
CREATE TABLE incident_reports (
    report_id   INTEGER PRIMARY KEY REFERENCES reports (id),
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    joined_at   TEXT    NOT NULL,
    how         TEXT    NOT NULL,   -- grouping | operator
    signals     TEXT    NOT NULL,   -- JSON: the decision that placed it
    confirmed_by TEXT
);
CREATE INDEX incident_reports_incident ON incident_reports (incident_id);

-- Reporters told an incident's outcome: the key makes "once" hold across replicas.
CREATE TABLE incident_outcomes (
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    status      TEXT    NOT NULL,   -- acknowledged | resolved
    incident_id INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    PRIMARY KEY (report_id, status)
);
