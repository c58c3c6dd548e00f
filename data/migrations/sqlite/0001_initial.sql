-- Portico schema, version 1 (SQLite). Times are Unix seconds (UTC). Booleans are 0/1 integers.
-- Status, type and team columns hold the stable integer codes of the domain enums
-- (src/portico/domain/): never reorder or reuse a code.

CREATE TABLE organizations (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  name_key    TEXT    NOT NULL UNIQUE,          -- lower-cased name, for uniqueness and lookup
  created_at  INTEGER NOT NULL
);

CREATE TABLE organization_domains (
  domain           TEXT    PRIMARY KEY,         -- lower-case e-mail domain, e.g. example.com
  organization_id  INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE
);
CREATE INDEX organization_domains_org ON organization_domains(organization_id);

CREATE TABLE users (
  id               INTEGER PRIMARY KEY,
  email            TEXT    NOT NULL,
  email_key        TEXT    NOT NULL UNIQUE,     -- lower-cased e-mail: unique, case-insensitive
  name             TEXT    NOT NULL,
  role             TEXT    NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
  organization_id  INTEGER REFERENCES organizations(id),
  is_key_contact   INTEGER NOT NULL DEFAULT 0,
  time_zone        TEXT    NOT NULL DEFAULT 'UTC',
  password_hash    TEXT,                        -- argon2id string; NULL until registered
  is_active        INTEGER NOT NULL DEFAULT 1,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  last_login_at    INTEGER
);
CREATE INDEX users_organization ON users(organization_id, name);

CREATE TABLE user_teams (
  user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  team     INTEGER NOT NULL,                    -- domain::Team code
  PRIMARY KEY (user_id, team)
);
CREATE INDEX user_teams_team ON user_teams(team, user_id);

CREATE TABLE sessions (
  id             INTEGER PRIMARY KEY,
  token_hash     TEXT    NOT NULL UNIQUE,       -- SHA-256 of the cookie value, hex
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token     TEXT    NOT NULL,
  created_at     INTEGER NOT NULL,
  last_seen_at   INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,              -- absolute expiry
  ip             TEXT    NOT NULL DEFAULT '',
  user_agent     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE user_tokens (
  id          INTEGER PRIMARY KEY,
  token_hash  TEXT    NOT NULL UNIQUE,          -- SHA-256 of the token in the link, hex
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose     TEXT    NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
);
CREATE INDEX user_tokens_user ON user_tokens(user_id, purpose);

CREATE TABLE tickets (
  id                    INTEGER PRIMARY KEY,    -- the human ticket number
  type                  INTEGER NOT NULL,       -- domain::TicketType code
  subject               TEXT    NOT NULL,
  status                INTEGER NOT NULL,       -- domain::Status code
  requester_id          INTEGER NOT NULL REFERENCES users(id),
  organization_id       INTEGER NOT NULL REFERENCES organizations(id),
  assignee_id           INTEGER REFERENCES users(id),
  created_at            INTEGER NOT NULL,
  last_activity_at      INTEGER NOT NULL,       -- latest public message or status change
  status_changed_at     INTEGER NOT NULL,
  customer_activity_at  INTEGER NOT NULL,       -- for reminders and auto-close
  reminder_sent_at      INTEGER,
  closed_at             INTEGER,
  resolution            TEXT,
  fix_version           TEXT,
  deployment_schedule   TEXT,
  fix_given             TEXT,
  linked_ticket_id      INTEGER REFERENCES tickets(id)
);
CREATE INDEX tickets_requester_activity ON tickets(requester_id, last_activity_at);
CREATE INDEX tickets_org_activity ON tickets(organization_id, last_activity_at);
CREATE INDEX tickets_status_activity ON tickets(status, last_activity_at);
CREATE INDEX tickets_assignee_activity ON tickets(assignee_id, last_activity_at);

CREATE TABLE ticket_ccs (
  ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  added_at   INTEGER NOT NULL,
  PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_ccs_user ON ticket_ccs(user_id, ticket_id);

CREATE TABLE messages (
  id           INTEGER PRIMARY KEY,
  ticket_id    INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  author_id    INTEGER REFERENCES users(id),
  body         TEXT    NOT NULL,                -- Markdown as written
  is_internal  INTEGER NOT NULL DEFAULT 0,      -- internal notes are never shown to customers
  created_at   INTEGER NOT NULL
);
CREATE INDEX messages_ticket ON messages(ticket_id, created_at);

CREATE TABLE attachments (
  id            INTEGER PRIMARY KEY,
  ticket_id     INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  message_id    INTEGER REFERENCES messages(id) ON DELETE CASCADE,
  uploaded_by   INTEGER REFERENCES users(id),
  filename      TEXT    NOT NULL,
  content_type  TEXT    NOT NULL,
  size          INTEGER NOT NULL,
  sha256        TEXT    NOT NULL,
  content       BLOB    NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX attachments_ticket ON attachments(ticket_id);
CREATE INDEX attachments_message ON attachments(message_id);

CREATE TABLE ticket_events (
  id           INTEGER PRIMARY KEY,
  ticket_id    INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  actor_id     INTEGER REFERENCES users(id),    -- NULL for the system (auto-close)
  kind         TEXT    NOT NULL,                -- created, status_changed, assigned, cc_added, …
  from_status  INTEGER,
  to_status    INTEGER,
  reason       TEXT,
  data         TEXT,                            -- JSON details
  created_at   INTEGER NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, created_at);

CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY,
  template         TEXT    NOT NULL,            -- data/templates/mail/<template>.*
  to_address       TEXT    NOT NULL,
  to_name          TEXT    NOT NULL DEFAULT '',
  subject          TEXT    NOT NULL,
  body_text        TEXT    NOT NULL,
  body_html        TEXT    NOT NULL,
  ticket_id        INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
  created_at       INTEGER NOT NULL,
  state            TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  claimed_until    INTEGER,
  last_error       TEXT,
  sent_at          INTEGER,
  message_id       TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

CREATE TABLE settings (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE status_definitions (
  status      INTEGER PRIMARY KEY,              -- admins' wording overrides the built-in text
  definition  TEXT    NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE article_categories (
  id          INTEGER PRIMARY KEY,
  slug        TEXT    NOT NULL UNIQUE,
  name        TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE articles (
  id            INTEGER PRIMARY KEY,
  category_id   INTEGER NOT NULL REFERENCES article_categories(id),
  slug          TEXT    NOT NULL UNIQUE,
  title         TEXT    NOT NULL,
  body          TEXT    NOT NULL,               -- Markdown
  is_published  INTEGER NOT NULL DEFAULT 0,
  visibility    TEXT    NOT NULL DEFAULT 'everyone' CHECK (visibility IN ('everyone', 'customers')),
  author_id     INTEGER REFERENCES users(id),
  helpful_yes   INTEGER NOT NULL DEFAULT 0,
  helpful_no    INTEGER NOT NULL DEFAULT 0,
  views         INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX articles_category ON articles(category_id, is_published, title);

CREATE TABLE article_revisions (
  id          INTEGER PRIMARY KEY,
  article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  title       TEXT    NOT NULL,
  body        TEXT    NOT NULL,
  author_id   INTEGER REFERENCES users(id),
  created_at  INTEGER NOT NULL
);
CREATE INDEX article_revisions_article ON article_revisions(article_id, created_at);
