-- Performance (PostgreSQL; mirrors sqlite/0004_performance.sql): indexes for the agent desk's
-- queues and counts. Measured on the bench-data dataset; see docs/performance.md. PostgreSQL
-- keeps its own planner statistics (autovacuum's ANALYZE), so none are written here.

-- The desk's "All tickets" queue (ordered by last activity, no other condition) walks this index
-- and stops after a page instead of sorting every ticket.
CREATE INDEX tickets_activity_status ON tickets(last_activity_at, status);
-- The per-status counts beside the desk's "My tickets" and "Unassigned" queues and its
-- organization filter, from the index alone (index-only scans).
CREATE INDEX tickets_assignee_status ON tickets(assignee_id, status);
CREATE INDEX tickets_org_status ON tickets(organization_id, status);
-- The desk's assignee picker lists the staff (role agent or admin) on every desk page; without
-- this it reads every user, customers included.
CREATE INDEX users_role ON users(role, is_active);
