-- Per-status ticket counts over all organizations (SQLite; see 0005's ticket_counts). The desk's
-- unrestricted queues read their counts here (15 rows) instead of summing ticket_counts over every
-- organization, which took ~7 ms per desk page with 2,000 organizations.
CREATE TABLE ticket_status_counts (
  status  INTEGER PRIMARY KEY,
  n       INTEGER NOT NULL
);
INSERT INTO ticket_status_counts (status, n) SELECT status, COUNT(*) FROM tickets GROUP BY status;
CREATE TRIGGER ticket_status_counts_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO ticket_status_counts (status, n) VALUES (new.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_status_counts_update AFTER UPDATE OF status ON tickets
  WHEN old.status <> new.status BEGIN
  UPDATE ticket_status_counts SET n = n - 1 WHERE status = old.status;
  INSERT INTO ticket_status_counts (status, n) VALUES (new.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_status_counts_delete AFTER DELETE ON tickets BEGIN
  UPDATE ticket_status_counts SET n = n - 1 WHERE status = old.status;
END;
