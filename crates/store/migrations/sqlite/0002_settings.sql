-- Facts about the database itself, e.g. `environment = demo` marks a training database so that demo
-- commands never touch real data.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
