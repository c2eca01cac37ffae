-- A name search shows the first page of its matches in name order. A short prefix ("kova") matches
-- tens of thousands of token rows at a million customers, and with the rows clustered by
-- (token, customer_id) every one of them was read and sorted to find the first 26. Clustered by
-- (token, sort_key, customer_id), each token's rows are already in name order: the search reads the
-- first page of each distinct token the prefix covers and merges them (crates/store/src/customers.rs).
CREATE TABLE customer_name_tokens_in_name_order (
    token TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    sort_key TEXT NOT NULL DEFAULT '',
    municipality_code TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (token, sort_key, customer_id)
) STRICT, WITHOUT ROWID;
INSERT INTO customer_name_tokens_in_name_order (token, customer_id, sort_key, municipality_code, active)
    SELECT token, customer_id, sort_key, municipality_code, active FROM customer_name_tokens;
DROP TABLE customer_name_tokens;
ALTER TABLE customer_name_tokens_in_name_order RENAME TO customer_name_tokens;
CREATE INDEX customer_name_tokens_customer ON customer_name_tokens (customer_id, token);
