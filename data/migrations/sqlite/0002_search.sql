-- Full-text search over ticket subjects and public messages (FTS5, external content).
-- Internal notes are never indexed, so no search can reach them.

CREATE VIRTUAL TABLE tickets_fts USING fts5(
  subject, content='tickets', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
  INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
END;
INSERT INTO tickets_fts(rowid, subject) SELECT id, subject FROM tickets;

CREATE VIRTUAL TABLE messages_fts USING fts5(
  body, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.is_internal = 0 BEGIN
  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.is_internal = 0 BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE is_internal = 0;

-- The customer list's "created by me or CC'd" view and the staff queues.
CREATE INDEX tickets_requester_created ON tickets(requester_id, created_at);
CREATE INDEX tickets_org_created ON tickets(organization_id, created_at);

-- Files a person uploaded with a form that failed validation for another reason: kept (for a
-- day) so that re-showing the form does not lose them.
CREATE TABLE upload_stash (
  id            INTEGER PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  filename      TEXT    NOT NULL,
  content_type  TEXT    NOT NULL,
  size          INTEGER NOT NULL,
  content       BLOB    NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX upload_stash_user ON upload_stash(user_id, created_at);
