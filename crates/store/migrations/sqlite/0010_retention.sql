-- Retention (issue 8): a customer whose retention period has passed is anonymised, keeping only what
-- statistics count by. The statistics facts of an anonymised customer are kept as they were.
ALTER TABLE customers ADD COLUMN anonymised_at TEXT;
-- The retention job looks for customerships that ended long enough ago.
CREATE INDEX customers_ended ON customers (customership_end) WHERE customership_end IS NOT NULL;
