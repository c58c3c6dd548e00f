-- Search and counts that do not grow with the desk (SQLite). Measured on the bench-data dataset;
-- see docs/performance.md.

-- 1. Per-organization, per-status ticket counts, kept in the same transaction as every ticket
-- change by the triggers below. The portal's organization view and the desk's unrestricted
-- queues read their per-status counts here (at most 15 rows per organization) instead of
-- counting the tickets.
CREATE TABLE ticket_counts (
  organization_id  INTEGER NOT NULL,
  status           INTEGER NOT NULL,
  n                INTEGER NOT NULL,
  PRIMARY KEY (organization_id, status)
) WITHOUT ROWID;
INSERT INTO ticket_counts (organization_id, status, n)
  SELECT organization_id, status, COUNT(*) FROM tickets GROUP BY organization_id, status;
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO ticket_counts (organization_id, status, n) VALUES (new.organization_id, new.status, 1)
    ON CONFLICT (organization_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, organization_id ON tickets
  WHEN old.status <> new.status OR old.organization_id <> new.organization_id BEGIN
  UPDATE ticket_counts SET n = n - 1
    WHERE organization_id = old.organization_id AND status = old.status;
  INSERT INTO ticket_counts (organization_id, status, n) VALUES (new.organization_id, new.status, 1)
    ON CONFLICT (organization_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
  UPDATE ticket_counts SET n = n - 1
    WHERE organization_id = old.organization_id AND status = old.status;
END;

-- 2. The organization view's other sorts walk an index in order and stop after the page.
-- (Last activity, created and status are served by tickets_org_activity, tickets_org_created and
-- tickets_org_status.)
CREATE INDEX tickets_org_subject ON tickets(organization_id, subject);
CREATE INDEX tickets_org_id ON tickets(organization_id, id);

-- 3. Full-text search scoped inside the index. Each indexed subject and message also carries the
-- tokens of who may find it: "o<organization id>" and "u<requester id>" (both fixed when the
-- ticket is created). A customer's search is then one full-text query — the words AND
-- (u<me> OR o<my organization>) — which FTS5 answers by intersecting posting lists, newest first,
-- instead of matching the whole corpus and filtering afterwards. Words are matched only in the
-- text columns, so nobody can search for the scope tokens. Tickets are never deleted, and their
-- requester and organization do not change; the triggers still keep the index right if they do.
DROP TRIGGER tickets_fts_insert;
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER tickets_fts_update;
DROP TABLE tickets_fts;
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TABLE messages_fts;

CREATE VIEW tickets_search AS
  SELECT id, subject, 'o' || organization_id || ' u' || requester_id AS scope FROM tickets;
CREATE VIRTUAL TABLE tickets_fts USING fts5(
  subject, scope, content='tickets_search', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO tickets_fts(rowid, subject, scope)
    VALUES (new.id, new.subject, 'o' || new.organization_id || ' u' || new.requester_id);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject, scope)
    VALUES ('delete', old.id, old.subject, 'o' || old.organization_id || ' u' || old.requester_id);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, organization_id, requester_id
  ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject, scope)
    VALUES ('delete', old.id, old.subject, 'o' || old.organization_id || ' u' || old.requester_id);
  INSERT INTO tickets_fts(rowid, subject, scope)
    VALUES (new.id, new.subject, 'o' || new.organization_id || ' u' || new.requester_id);
END;
INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');

-- Internal notes are not in the view, so they are never indexed and no search can reach them.
CREATE VIEW messages_search AS
  SELECT m.id, m.body, 'o' || t.organization_id || ' u' || t.requester_id AS scope
  FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.is_internal = 0;
CREATE VIRTUAL TABLE messages_fts USING fts5(
  body, scope, content='messages_search', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.is_internal = 0 BEGIN
  INSERT INTO messages_fts(rowid, body, scope)
    SELECT new.id, new.body, 'o' || organization_id || ' u' || requester_id
    FROM tickets WHERE id = new.ticket_id;
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.is_internal = 0 BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body, scope)
    SELECT 'delete', old.id, old.body, 'o' || organization_id || ' u' || requester_id
    FROM tickets WHERE id = old.ticket_id;
END;
-- A ticket moved to another organization or requester: its messages' scope tokens follow.
CREATE TRIGGER messages_fts_rescope AFTER UPDATE OF organization_id, requester_id ON tickets
  WHEN old.organization_id <> new.organization_id OR old.requester_id <> new.requester_id BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body, scope)
    SELECT 'delete', m.id, m.body, 'o' || old.organization_id || ' u' || old.requester_id
    FROM messages m WHERE m.ticket_id = new.id AND m.is_internal = 0;
  INSERT INTO messages_fts(rowid, body, scope)
    SELECT m.id, m.body, 'o' || new.organization_id || ' u' || new.requester_id
    FROM messages m WHERE m.ticket_id = new.id AND m.is_internal = 0;
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');

INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
  ('tickets', 'tickets_org_subject', '1000000 500 2'),
  ('tickets', 'tickets_org_id', '1000000 500 1');
