-- A customer's own tickets with their statuses, from the index alone: every list in the portal
-- reads them for its counts (the organization view only those outside the customer's
-- organization, usually none), and before this index each was a read of the ticket's row (51 rows
-- for a customer of the bench-data dataset: 27 µs of the organization view's 330).
CREATE INDEX tickets_requester_org_status ON tickets(requester_id, organization_id, status);
-- Planner statistics as 0004 writes them (~20 tickets per requester, nearly all in one
-- organization).
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
  ('tickets', 'tickets_requester_org_status', '1000000 20 20 2');
