-- Help Center (SQLite): full-text search over articles, and the counters behind popular articles
-- and ticket deflection.

-- The body as plain text (Markdown syntax removed): what search indexes and snippets quote.
-- Rendered by the application on every save; rows written before this migration start with
-- the Markdown itself until their next save.
ALTER TABLE articles ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
UPDATE articles SET body_text = body;

-- Title and plain-text body, external content. Visibility and drafts are not indexed: every
-- search joins articles and applies them, so a draft can never be found.
CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, body_text, content='articles', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, body_text)
    VALUES ('delete', old.id, old.title, old.body_text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body_text ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, body_text)
    VALUES ('delete', old.id, old.title, old.body_text);
  INSERT INTO articles_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
INSERT INTO articles_fts(rowid, title, body_text) SELECT id, title, body_text FROM articles;

-- The home page's "Popular" and "Recently updated" lists.
CREATE INDEX articles_published_views ON articles(is_published, views);
CREATE INDEX articles_published_updated ON articles(is_published, updated_at);

-- Deflection: every time an article suggested on the Communicate with Support form is opened.
-- An opening not followed by a ticket from the same person within a day counts as a question
-- answered without a ticket (see app/articles.hpp, deflection_stats).
CREATE TABLE article_suggestion_opens (
  id          INTEGER PRIMARY KEY,
  article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- NULL when logged out
  opened_at   INTEGER NOT NULL
);
CREATE INDEX article_suggestion_opens_time ON article_suggestion_opens(opened_at);
CREATE INDEX article_suggestion_opens_article ON article_suggestion_opens(article_id, opened_at);

-- Tickets submitted per period (beside the deflection numbers), counted without a scan.
CREATE INDEX tickets_created ON tickets(created_at);
