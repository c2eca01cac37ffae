-- Moving municipality (issue 8): the old unit hands the customer's file over to the new
-- municipality's unit, which accepts or declines it.
CREATE TABLE handovers (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    from_municipality TEXT NOT NULL,
    to_municipality TEXT NOT NULL,
    moved_on DATE NOT NULL,
    -- pending, accepted, declined or cancelled.
    status TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    requested_by TEXT NOT NULL,
    decided_at TIMESTAMPTZ,
    decided_by TEXT,
    reason TEXT
);
CREATE INDEX handovers_customer ON handovers (customer_id);
CREATE INDEX handovers_to ON handovers (to_municipality, status);
CREATE INDEX handovers_from ON handovers (from_municipality, status);
-- One open hand-over per customer.
CREATE UNIQUE INDEX handovers_one_pending ON handovers (customer_id) WHERE status = 'pending';
