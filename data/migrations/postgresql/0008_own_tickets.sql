-- A customer's own tickets with their statuses, from the index alone (mirrors
-- sqlite/0008_own_tickets.sql): every list in the portal reads them for its counts.
CREATE INDEX tickets_requester_org_status ON tickets(requester_id, organization_id, status);
