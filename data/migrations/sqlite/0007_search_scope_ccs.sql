-- The full-text scope tokens (0005) also name the people CC'd on a ticket ("u<id>" each), so that
-- a customer's search over the tickets they requested or are CC'd on is one full-text query.
-- tickets.cc_tokens holds " u<id>" for each CC; the triggers on ticket_ccs re-index the ticket's
-- subject and public messages when it changes (out with the old tokens, in with the new).
ALTER TABLE tickets ADD COLUMN cc_tokens TEXT NOT NULL DEFAULT '';
UPDATE tickets SET cc_tokens = (SELECT group_concat(' u' || user_id, '') FROM ticket_ccs
                                WHERE ticket_id = tickets.id)
  WHERE id IN (SELECT ticket_id FROM ticket_ccs);

DROP TRIGGER tickets_fts_insert;
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER tickets_fts_update;
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_rescope;
DROP TABLE tickets_fts;
DROP TABLE messages_fts;
DROP VIEW tickets_search;
DROP VIEW messages_search;

CREATE VIEW tickets_search AS
  SELECT id, subject, 'o' || organization_id || ' u' || requester_id || cc_tokens AS scope
  FROM tickets;
CREATE VIRTUAL TABLE tickets_fts USING fts5(
  subject, scope, content='tickets_search', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO tickets_fts(rowid, subject, scope) VALUES
    (new.id, new.subject, 'o' || new.organization_id || ' u' || new.requester_id || new.cc_tokens);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject, scope) VALUES ('delete', old.id,
    old.subject, 'o' || old.organization_id || ' u' || old.requester_id || old.cc_tokens);
END;
CREATE TRIGGER tickets_fts_update
  AFTER UPDATE OF subject, organization_id, requester_id, cc_tokens ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject, scope) VALUES ('delete', old.id,
    old.subject, 'o' || old.organization_id || ' u' || old.requester_id || old.cc_tokens);
  INSERT INTO tickets_fts(rowid, subject, scope) VALUES
    (new.id, new.subject, 'o' || new.organization_id || ' u' || new.requester_id || new.cc_tokens);
END;
INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');

CREATE VIEW messages_search AS
  SELECT m.id, m.body,
         'o' || t.organization_id || ' u' || t.requester_id || t.cc_tokens AS scope
  FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.is_internal = 0;
CREATE VIRTUAL TABLE messages_fts USING fts5(
  body, scope, content='messages_search', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.is_internal = 0 BEGIN
  INSERT INTO messages_fts(rowid, body, scope)
    SELECT new.id, new.body, 'o' || organization_id || ' u' || requester_id || cc_tokens
    FROM tickets WHERE id = new.ticket_id;
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.is_internal = 0 BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body, scope)
    SELECT 'delete', old.id, old.body, 'o' || organization_id || ' u' || requester_id || cc_tokens
    FROM tickets WHERE id = old.ticket_id;
END;
-- A ticket's scope changed (organization, requester or CCs): its messages follow.
CREATE TRIGGER messages_fts_rescope
  AFTER UPDATE OF organization_id, requester_id, cc_tokens ON tickets
  WHEN old.organization_id <> new.organization_id OR old.requester_id <> new.requester_id
    OR old.cc_tokens <> new.cc_tokens BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body, scope)
    SELECT 'delete', m.id, m.body,
           'o' || old.organization_id || ' u' || old.requester_id || old.cc_tokens
    FROM messages m WHERE m.ticket_id = new.id AND m.is_internal = 0;
  INSERT INTO messages_fts(rowid, body, scope)
    SELECT m.id, m.body, 'o' || new.organization_id || ' u' || new.requester_id || new.cc_tokens
    FROM messages m WHERE m.ticket_id = new.id AND m.is_internal = 0;
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');

-- CCs added or removed: the ticket's tokens are recomputed (and the triggers above re-index).
CREATE TRIGGER ticket_ccs_scope_insert AFTER INSERT ON ticket_ccs BEGIN
  UPDATE tickets SET cc_tokens = (SELECT group_concat(' u' || user_id, '') FROM ticket_ccs
                                  WHERE ticket_id = new.ticket_id)
    WHERE id = new.ticket_id;
END;
CREATE TRIGGER ticket_ccs_scope_delete AFTER DELETE ON ticket_ccs BEGIN
  UPDATE tickets SET cc_tokens = COALESCE((SELECT group_concat(' u' || user_id, '')
                                           FROM ticket_ccs WHERE ticket_id = old.ticket_id), '')
    WHERE id = old.ticket_id;
END;
