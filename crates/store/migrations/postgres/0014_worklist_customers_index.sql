-- The worklist reads, on every request, what it shows of a caseworker's active customers and what
-- their deadlines follow from (crates/store/src/worklist.rs). With each of those columns in the
-- index, in name order, it reads a few index pages instead of a table page per customer: SQLite
-- empties a connection's page cache whenever another has committed, which under audited reads is
-- every few milliseconds, so those table pages were read from the operating system every time.
-- It replaces 0013's narrower index of the same rows.
CREATE INDEX customers_worklist
    ON customers (responsible_caseworker, municipality_code, sort_key, id, customership_end, family_name,
                  given_names, customership_start, first_permit_date, target_group)
    WHERE customership_end IS NULL;
DROP INDEX customers_caseworker_municipality;
