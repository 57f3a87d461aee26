-- A location attaches to the sender's latest message (ORDER BY sent_at DESC, id DESC).
-- With id in the index that is the first entry of a backward scan; without it, PostgreSQL
-- sorted every message the sender wrote in the window, which for a chatty sender (a
-- coordinator, a forwarding bot) is thousands of rows per location.
DROP INDEX inbound_messages_sender_bsuid;
DROP INDEX inbound_messages_sender_phone;
CREATE INDEX inbound_messages_sender_bsuid ON inbound_messages (sender_bsuid, sent_at, id);
CREATE INDEX inbound_messages_sender_phone ON inbound_messages (sender_phone, sent_at, id);
