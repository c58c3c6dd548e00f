-- (SQLite only: its full-text index carries CC tokens; see sqlite/0007. PostgreSQL's search
-- reads a customer's tickets and CCs through their indexes.) Kept so both backends share
-- migration numbers.
SELECT 1;
