-- The worklist reads which versions of a caseworker's customers' records are current on every
-- request (its computed deadlines are kept while those stay the same). With every column that
-- query touches in these two indexes, it reads them only, not a table page per customer and per
-- record. (The partial indexes' own conditions are columns too: SQLite uses a partial index as a
-- covering one only when they are.)
CREATE INDEX process_records_current ON process_records (customer_id, kind, id, version, is_current)
    WHERE is_current;
DROP INDEX process_records_customer;
CREATE INDEX customers_caseworker_municipality
    ON customers (responsible_caseworker, municipality_code, id, customership_end)
    WHERE customership_end IS NULL;
DROP INDEX customers_caseworker;
