-- The cost ledger: what Meta bills for each message we send, from the `pricing` object of
-- the status webhooks. Pricing comes on `sent` and again on one of `delivered` / `read`; the
-- primary key keeps one line per message (per participant in a group, where Meta bills each
-- member who receives it), so nothing is counted twice whatever order statuses arrive in.
CREATE TABLE outbound_pricing (
    wamid        TEXT    NOT NULL,
    participant  TEXT    NOT NULL DEFAULT '',  -- the group member's pseudonym; '' for 1:1
    category     TEXT    NOT NULL,             -- utility, service, marketing, group_utility, …
    pricing_type TEXT    NOT NULL,             -- regular, free_customer_service, …
    billable     INTEGER,
    billed_at    TEXT    NOT NULL,             -- the status's own timestamp
    PRIMARY KEY (wamid, participant)
);
CREATE INDEX outbound_pricing_billed_at ON outbound_pricing (billed_at);

-- The sender now checks the 24-hour window before every send, group replies included:
-- "when did anyone in this Cloud API group last write" must be an index lookup, not a scan
-- of every message.
CREATE INDEX inbound_messages_cloud_group ON inbound_messages (cloud_group_id, received_at)
    WHERE cloud_group_id IS NOT NULL;
