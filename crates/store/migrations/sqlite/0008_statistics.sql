-- Statistics (issue 6). What one customer contributes, as JSON (kotopolku_domain::statistics::
-- CustomerStatistics). A change to the customer or their records deletes the row in the same
-- transaction; the next refresh derives it again, so a refresh reads only what changed.
CREATE TABLE statistics_facts (
    customer_id TEXT PRIMARY KEY NOT NULL REFERENCES customers (id),
    facts TEXT NOT NULL
) STRICT;

-- The published figures of the last refresh, already protected: value NULL is a suppressed figure.
-- Zero counts are not stored.
CREATE TABLE statistics_figures (
    area TEXT NOT NULL,
    period TEXT NOT NULL,
    indicator TEXT NOT NULL,
    category TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (area, period, indicator, category)
) STRICT, WITHOUT ROWID;

-- When the figures were made, as of which day, and with which threshold: dashboards show it.
CREATE TABLE statistics_refresh (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    refreshed_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    threshold INTEGER NOT NULL,
    first_year INTEGER NOT NULL,
    last_year INTEGER NOT NULL,
    customers INTEGER NOT NULL,
    facts_derived INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL
) STRICT;
