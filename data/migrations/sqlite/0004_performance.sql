-- Performance (SQLite): indexes for the agent desk's queues and counts, and planner statistics
-- for the tickets table. Measured on the bench-data dataset; see docs/performance.md.

-- The desk's "All tickets" queue (ordered by last activity, no other condition) walks this index
-- and stops after a page instead of sorting every ticket; a queue over several statuses reads the
-- status from the index without visiting the row.
CREATE INDEX tickets_activity_status ON tickets(last_activity_at, status);
-- The per-status counts beside the desk's "My tickets" and "Unassigned" queues and its
-- organization filter, read from the index alone.
CREATE INDEX tickets_assignee_status ON tickets(assignee_id, status);
CREATE INDEX tickets_org_status ON tickets(organization_id, status);
-- The desk's assignee picker lists the staff (role agent or admin) on every desk page; without
-- this it reads every user, customers included.
CREATE INDEX users_role ON users(role, is_active);

-- Planner statistics. Portico never runs ANALYZE, and without statistics SQLite takes an
-- equality on the first column of any index to match ~10 rows: it then drives a customer's
-- "Closed" list from tickets_status_activity (status = 15, most of the table) instead of the
-- customer's few ticket ids. These rows describe the shape of a large desk (1,000,000 tickets,
-- 15 statuses, ~20 tickets per requester, ~500 per organization, ~20,000 per agent), which is
-- what the planner needs to prefer the selective index; they are what ANALYZE writes for the
-- bench-data dataset, rounded. A later ANALYZE or PRAGMA optimize replaces them with real
-- numbers. ("ANALYZE sqlite_schema" only creates the sqlite_stat1 table.)
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1 WHERE tbl = 'tickets';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
  ('tickets', 'tickets_requester_activity', '1000000 20 1'),
  ('tickets', 'tickets_requester_created', '1000000 20 1'),
  ('tickets', 'tickets_org_activity', '1000000 500 1'),
  ('tickets', 'tickets_org_created', '1000000 500 1'),
  ('tickets', 'tickets_org_status', '1000000 500 50'),
  ('tickets', 'tickets_status_activity', '1000000 66667 1'),
  ('tickets', 'tickets_assignee_activity', '1000000 20000 1'),
  ('tickets', 'tickets_assignee_status', '1000000 20000 2000'),
  ('tickets', 'tickets_activity_status', '1000000 1 1'),
  ('tickets', 'tickets_created', '1000000 1');
