-- Facts about the database itself; see the SQLite migration.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
