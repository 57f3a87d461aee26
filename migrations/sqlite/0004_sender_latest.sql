-- PostgreSQL's 0004 adds id to the sender indexes so a location finds the sender's latest
-- message without sorting. SQLite's indexes already end in the rowid (id), so they are
-- in that order as they are; this version exists to keep the two backends' numbering equal.
SELECT 1;
