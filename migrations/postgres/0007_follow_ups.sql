-- Citizens' follow-ups ("¿qué pasó con SON-2026-000001?") attach to the report they name;
-- this counts those no operator has opened the report to read yet (the queue's marker).
ALTER TABLE reports ADD COLUMN follow_ups_unseen BIGINT NOT NULL DEFAULT 0;
