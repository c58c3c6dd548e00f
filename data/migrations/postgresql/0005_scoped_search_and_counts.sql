-- Counts that do not grow with the desk (PostgreSQL; mirrors sqlite/0005). Measured on the
-- bench-data dataset; see docs/performance.md. Full-text search keeps its GIN indexes: the
-- planner combines them with the scope (see app/tickets.cpp).

-- Per-organization, per-status ticket counts, kept in the same transaction as every ticket change.
-- The portal's organization view and the desk's unrestricted queues read their per-status counts
-- here instead of counting the tickets.
CREATE TABLE ticket_counts (
  organization_id  BIGINT NOT NULL,
  status           BIGINT NOT NULL,
  n                BIGINT NOT NULL,
  PRIMARY KEY (organization_id, status)
);
INSERT INTO ticket_counts (organization_id, status, n)
  SELECT organization_id, status, COUNT(*) FROM tickets GROUP BY organization_id, status;

CREATE FUNCTION ticket_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE ticket_counts SET n = n - 1
      WHERE organization_id = OLD.organization_id AND status = OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO ticket_counts (organization_id, status, n)
      VALUES (NEW.organization_id, NEW.status, 1)
      ON CONFLICT (organization_id, status) DO UPDATE SET n = ticket_counts.n + 1;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER ticket_counts_insert_delete AFTER INSERT OR DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION ticket_counts_track();
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, organization_id ON tickets
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                     OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
  EXECUTE FUNCTION ticket_counts_track();

-- The organization view's other sorts walk an index in order and stop after the page.
CREATE INDEX tickets_org_subject ON tickets(organization_id, subject, id);
CREATE INDEX tickets_org_id ON tickets(organization_id, id);

-- The organization view sorts by (column, id). With the id in the index the page is read in
-- index order and stops after the page, with no sort. (SQLite indexes end with the rowid, which
-- is the id, so its indexes already serve this order.)
DROP INDEX tickets_org_activity;
CREATE INDEX tickets_org_activity ON tickets(organization_id, last_activity_at, id);
DROP INDEX tickets_org_created;
CREATE INDEX tickets_org_created ON tickets(organization_id, created_at, id);
DROP INDEX tickets_org_status;
CREATE INDEX tickets_org_status ON tickets(organization_id, status, id);
