-- The registry's people live here: groups, their members and the regions' coordinators
-- with their duty rosters. Regions (geography: municipalities, time zone, folio prefix,
-- emergency numbers) stay in config/registry/regions.toml.
--
-- `registry_state.version` is bumped by every write, in the write's transaction; each
-- replica polls it and reloads its in-memory registry when it moves.
CREATE TABLE registry_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO registry_state (id, version) VALUES (1, 0);

CREATE TABLE registry_groups (
    id             TEXT    PRIMARY KEY,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    region         TEXT    NOT NULL,
    municipality   TEXT    NOT NULL,
    colonias       TEXT    NOT NULL, -- JSON array of strings
    cloud_group_id TEXT,
    active         BOOLEAN NOT NULL,
    position       INTEGER NOT NULL
);

CREATE TABLE registry_members (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id TEXT    NOT NULL REFERENCES registry_groups (id),
    name     TEXT    NOT NULL,
    phone    TEXT,
    bsuid    TEXT,
    role     TEXT    NOT NULL,
    active   BOOLEAN NOT NULL
);
CREATE INDEX registry_members_group ON registry_members (group_id, id);

CREATE TABLE registry_coordinators (
    id       TEXT    PRIMARY KEY,
    region   TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    phone    TEXT,
    bsuid    TEXT,
    roles    TEXT    NOT NULL, -- JSON array of role names
    shifts   TEXT    NOT NULL, -- JSON array of {days, start, end}
    position INTEGER NOT NULL
);
