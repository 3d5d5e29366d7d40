-- +goose Up
-- Member name search by trigram on SQLite (issue 18; PostgreSQL: 0024's
-- pg_trgm index). An FTS5 table with the trigram tokenizer holds every
-- member's display name; it keeps no copy of the text (contentless), only
-- an integer key per member. Members have no stable integer key of their
-- own (VACUUM may renumber the rowid of a table with a text primary key),
-- so member_name_keys gives each member one. Triggers keep both in the
-- transaction of every insert, rename and delete of a member.
CREATE TABLE member_name_keys (
    seq       INTEGER PRIMARY KEY,
    member_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE member_names USING fts5(name, content = '', contentless_delete = 1, tokenize = 'trigram');

INSERT INTO member_name_keys (member_id) SELECT id FROM members ORDER BY id;
INSERT INTO member_names (rowid, name) SELECT k.seq, m.display_name FROM member_name_keys k JOIN members m ON m.id = k.member_id;

-- +goose StatementBegin
CREATE TRIGGER members_name_insert AFTER INSERT ON members
BEGIN
    INSERT INTO member_name_keys (member_id) VALUES (NEW.id);
    INSERT INTO member_names (rowid, name) VALUES (last_insert_rowid(), NEW.display_name);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER members_name_update AFTER UPDATE OF display_name ON members
WHEN OLD.display_name IS NOT NEW.display_name
BEGIN
    DELETE FROM member_names WHERE rowid = (SELECT seq FROM member_name_keys WHERE member_id = NEW.id);
    INSERT INTO member_names (rowid, name) SELECT seq, NEW.display_name FROM member_name_keys WHERE member_id = NEW.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER members_name_delete AFTER DELETE ON members
BEGIN
    DELETE FROM member_names WHERE rowid = (SELECT seq FROM member_name_keys WHERE member_id = OLD.id);
    DELETE FROM member_name_keys WHERE member_id = OLD.id;
END;
-- +goose StatementEnd
