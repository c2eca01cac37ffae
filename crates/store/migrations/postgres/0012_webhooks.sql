-- Outgoing webhooks (issue 8): the change feed of an organisation's customers pushed to a URL,
-- signed with the webhook's secret, retried with growing pauses until the receiver answers 2xx.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    url TEXT NOT NULL,
    -- The HMAC key the receiver shares; shown once when the webhook is made.
    secret TEXT NOT NULL,
    -- The last change delivered (an audit log id).
    cursor BIGINT NOT NULL,
    -- Failed attempts since the last delivery, and when to try again.
    failures BIGINT NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
