-- What a user chose for themselves: the interface language (fi, sv or en), remembered across browsers.
CREATE TABLE user_preferences (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    ui_language TEXT NOT NULL
) STRICT;
