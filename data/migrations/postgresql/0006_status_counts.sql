-- Per-status ticket counts over all organizations (PostgreSQL; mirrors sqlite/0006). The desk's
-- unrestricted queues read their counts here (15 rows) instead of summing ticket_counts over every
-- organization.
CREATE TABLE ticket_status_counts (
  status  BIGINT PRIMARY KEY,
  n       BIGINT NOT NULL
);
INSERT INTO ticket_status_counts (status, n) SELECT status, COUNT(*) FROM tickets GROUP BY status;

CREATE FUNCTION ticket_status_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE ticket_status_counts SET n = n - 1 WHERE status = OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO ticket_status_counts (status, n) VALUES (NEW.status, 1)
      ON CONFLICT (status) DO UPDATE SET n = ticket_status_counts.n + 1;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER ticket_status_counts_insert_delete AFTER INSERT OR DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION ticket_status_counts_track();
CREATE TRIGGER ticket_status_counts_update AFTER UPDATE OF status ON tickets
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION ticket_status_counts_track();
