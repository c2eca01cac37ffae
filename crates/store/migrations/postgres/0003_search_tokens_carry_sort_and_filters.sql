-- See the SQLite migration of the same name: token rows carry the sort key and filters of search.
-- A covering index lets a name search answer from the index alone.
ALTER TABLE customer_name_tokens ADD COLUMN sort_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE customer_name_tokens ADD COLUMN municipality_code TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_name_tokens ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE customer_name_tokens t SET
    sort_key = c.sort_key,
    municipality_code = c.municipality_code,
    active = c.customership_end IS NULL
FROM customers c WHERE c.id = t.customer_id;
CREATE INDEX customer_name_tokens_search ON customer_name_tokens (token)
    INCLUDE (sort_key, customer_id, municipality_code, active);
DROP INDEX customer_name_tokens_customer;
CREATE INDEX customer_name_tokens_customer ON customer_name_tokens (customer_id, token);
