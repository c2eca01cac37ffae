-- A name search shows the first page of its matches in name order. A short prefix ("kova") matches
-- tens of thousands of token rows at a million customers, and with the index ordered by token alone
-- every one of them was read and sorted to find the first 26. Ordered by (token, sort_key,
-- customer_id), each token's entries are already in name order: the search reads the first page of
-- each distinct token the prefix covers and merges them (crates/store/src/customers.rs).
DROP INDEX customer_name_tokens_search;
CREATE INDEX customer_name_tokens_search ON customer_name_tokens (token, sort_key, customer_id)
    INCLUDE (municipality_code, active);
