#include "portico/app/articles.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "portico/app/accounts.hpp"
#include "portico/app/env.hpp"
#include "portico/app/help_center.hpp"
#include "portico/app/settings.hpp"
#include "portico/core/markdown.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Connection;
using storage::Params;

constexpr std::int64_t kDay = 86'400;

constexpr std::string_view kArticleColumns = R"sql(
SELECT a.id, a.title, a.slug, a.category_id, a.body, a.is_published, a.visibility, c.name,
       a.created_at, a.updated_at, COALESCE(u.name, ''), a.helpful_yes, a.helpful_no, a.views,
       (SELECT COUNT(*) FROM article_suggestion_opens s WHERE s.article_id = a.id)
FROM articles a
JOIN article_categories c ON c.id = a.category_id
LEFT JOIN users u ON u.id = a.author_id
)sql";

EditableArticle article_from(const storage::Row& r) {
  EditableArticle a;
  a.id = r.integer(0);
  a.input = {r.text(1), r.text(2), r.integer(3), r.text(4), r.integer(5) == 1, r.text(6)};
  a.category_name = r.text(7);
  a.created_at = r.integer(8);
  a.updated_at = r.integer(9);
  a.author_name = r.text(10);
  a.helpful_yes = r.integer(11);
  a.helpful_no = r.integer(12);
  a.views = r.integer(13);
  a.suggestion_opens = r.integer(14);
  return a;
}

std::string trim(std::string_view in) {
  auto begin = in.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  auto end = in.find_last_not_of(" \t\r\n");
  return std::string(in.substr(begin, end - begin + 1));
}

// Characters, not bytes, for the limits people read ("at most 200 characters").
std::size_t utf8_characters(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Result<void> require_editor(storage::Database& db, const SessionUser& me) {
  auto may = may_edit_articles(db, me);
  if (!may) return std::unexpected(may.error());
  if (!*may) {
    return fail(ErrorCode::kPermissionDenied,
                "Only admins, and agents when an admin allows it, may write Help Center "
                "articles.");
  }
  return {};
}

Result<void> require_admin(const SessionUser& me) {
  if (!me.is_admin()) {
    return fail(ErrorCode::kPermissionDenied, "Only admins may change this.");
  }
  return {};
}

// Checks and normalizes the editor's input (trimmed title and slug, slug made from the title
// when empty, plain text for search). Does not check the slug is free or the category exists.
Result<void> validate(ArticleInput& input) {
  input.title = trim(input.title);
  input.slug = trim(input.slug);
  if (input.title.empty()) return fail(Error::invalid("Give the article a title.", "title"));
  if (utf8_characters(input.title) > kMaxArticleTitle) {
    return fail(Error::invalid(
        fmt::format("The title is too long: at most {} characters.", kMaxArticleTitle), "title"));
  }
  if (input.slug.empty()) input.slug = slug_from_title(input.title);
  if (input.slug.empty()) {
    return fail(Error::invalid(
        "Choose an address for the article: lower-case letters, digits and hyphens.", "slug"));
  }
  if (!is_valid_slug(input.slug)) {
    return fail(Error::invalid(
        fmt::format("The address may hold only lower-case letters, digits and single hyphens "
                    "(at most {} characters), for example how-to-submit-a-ticket.",
                    kMaxSlug),
        "slug"));
  }
  if (input.category_id <= 0) return fail(Error::invalid("Choose a category.", "category"));
  if (trim(input.body).empty()) return fail(Error::invalid("Write the article's text.", "body"));
  if (input.body.size() > kMaxArticleBody) {
    return fail(Error::invalid(
        fmt::format("The text is too long: at most {} KB.", kMaxArticleBody / 1000), "body"));
  }
  if (input.visibility != kVisibilityEveryone && input.visibility != kVisibilityCustomers) {
    return fail(Error::invalid("Choose who may read the article.", "visibility"));
  }
  return {};
}

// The checks that need the database: the category exists and no other article has the slug.
Result<void> check_references(Connection& c, const ArticleInput& input, std::int64_t self_id) {
  auto category = c.query_optional("SELECT id FROM article_categories WHERE id = $1",
                                   Params(input.category_id));
  if (!category) return std::unexpected(category.error());
  if (!*category) return fail(Error::invalid("Choose a category.", "category"));
  auto taken = c.query_optional("SELECT id FROM articles WHERE slug = $1 AND id <> $2",
                                Params(input.slug, self_id));
  if (!taken) return std::unexpected(taken.error());
  if (*taken) {
    return fail(ErrorCode::kConflict,
                "Another article already has this address. Choose a different one.", "slug");
  }
  return {};
}

Error slug_conflict_or(const Error& error) {
  if (error.code != ErrorCode::kConflict || !error.field.empty()) return error;
  return {ErrorCode::kConflict, "Another article already has this address. Choose a different one.",
          "slug"};
}

Result<void> add_revision(Connection& c, std::int64_t article_id, const ArticleInput& input,
                          std::int64_t author_id, std::int64_t now) {
  auto added = c.execute(
      "INSERT INTO article_revisions (article_id, title, body, author_id, created_at) "
      "VALUES ($1, $2, $3, $4, $5)",
      Params(article_id, input.title, input.body, author_id, now));
  if (!added) return std::unexpected(added.error());
  return {};
}

Result<void> validate_category(std::string& name, std::string& description) {
  name = trim(name);
  description = trim(description);
  if (name.empty()) return fail(Error::invalid("Give the category a name.", "name"));
  if (utf8_characters(name) > kMaxCategoryName) {
    return fail(Error::invalid(
        fmt::format("The name is too long: at most {} characters.", kMaxCategoryName), "name"));
  }
  if (utf8_characters(description) > kMaxCategoryDescription) {
    return fail(Error::invalid(
        fmt::format("The description is too long: at most {} characters.", kMaxCategoryDescription),
        "description"));
  }
  return {};
}

}  // namespace

Result<bool> agents_may_edit_articles(storage::Database& db) {
  return db.with_connection([](Connection& c) -> Result<bool> {
    auto row = c.query_optional("SELECT value FROM settings WHERE key = $1",
                                Params(kAgentsMayEditSetting));
    if (!row) return std::unexpected(row.error());
    return !*row || (*row)->text(0) != "0";
  });
}

Result<bool> may_edit_articles(storage::Database& db, const SessionUser& me) {
  if (me.is_admin()) return true;
  if (!me.is_staff()) return false;
  return agents_may_edit_articles(db);
}

Result<void> set_agents_may_edit_articles(Env& env, const SessionUser& me, bool allowed) {
  if (auto ok = require_admin(me); !ok) return ok;
  return env.db.with_connection([&](Connection& c) {
    return save_setting(c, kAgentsMayEditSetting, allowed ? 1 : 0, env.now());
  });
}

std::string slug_from_title(std::string_view title) {
  std::string slug;
  bool hyphen = false;
  for (char ch : title) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (u < 0x80 && std::isalnum(u)) {
      if (hyphen && !slug.empty()) slug += '-';
      hyphen = false;
      slug += static_cast<char>(std::tolower(u));
    } else if (u < 0x80 && u != '\'') {  // "What's new" → whats-new
      hyphen = true;
    } else if (u >= 0x80) {
      hyphen = true;
    }
    if (slug.size() >= kMaxSlug) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.substr(0, kMaxSlug);
}

bool is_valid_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > kMaxSlug || slug.front() == '-' || slug.back() == '-') {
    return false;
  }
  char previous = 0;
  for (char c : slug) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return true;
}

Result<std::vector<EditableArticle>> list_all_articles(Env& env, const SessionUser& me) {
  if (auto ok = require_editor(env.db, me); !ok) return std::unexpected(ok.error());
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<EditableArticle>> {
    auto rows = c.query(
        fmt::format("{} ORDER BY c.position, c.name, c.id, a.title, a.id", kArticleColumns));
    if (!rows) return std::unexpected(rows.error());
    std::vector<EditableArticle> out;
    for (const auto& r : *rows) out.push_back(article_from(r));
    return out;
  });
}

Result<EditableArticle> get_article(Env& env, const SessionUser& me, std::int64_t id) {
  if (auto ok = require_editor(env.db, me); !ok) return std::unexpected(ok.error());
  return env.db.with_connection([&](Connection& c) -> Result<EditableArticle> {
    auto row = c.query_optional(fmt::format("{} WHERE a.id = $1", kArticleColumns), Params(id));
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(ErrorCode::kNotFound, "There is no such article.");
    return article_from(**row);
  });
}

Result<std::int64_t> create_article(Env& env, const SessionUser& me, ArticleInput input) {
  if (auto ok = validate(input); !ok) return std::unexpected(ok.error());
  if (auto ok = require_editor(env.db, me); !ok) return std::unexpected(ok.error());
  std::string body_text = markdown::to_plain_text(input.body);
  std::int64_t now = env.now();
  auto id = env.db.transaction([&](Connection& c) -> Result<std::int64_t> {
    if (auto ok = check_references(c, input, 0); !ok) return std::unexpected(ok.error());
    auto row = c.query_one(
        "INSERT INTO articles (category_id, slug, title, body, body_text, is_published, "
        "visibility, author_id, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        Params(input.category_id, input.slug, input.title, input.body, body_text,
               input.published ? 1 : 0, input.visibility, me.id, now));
    if (!row) return std::unexpected(row.error());
    if (auto ok = add_revision(c, row->integer(0), input, me.id, now); !ok) {
      return std::unexpected(ok.error());
    }
    return row->integer(0);
  });
  if (!id) return fail(slug_conflict_or(id.error()));
  return id;
}

Result<void> update_article(Env& env, const SessionUser& me, std::int64_t id, ArticleInput input) {
  if (auto ok = validate(input); !ok) return ok;
  if (auto ok = require_editor(env.db, me); !ok) return ok;
  std::string body_text = markdown::to_plain_text(input.body);
  std::int64_t now = env.now();
  auto saved = env.db.transaction([&](Connection& c) -> Result<void> {
    if (auto ok = check_references(c, input, id); !ok) return ok;
    auto changed = c.execute(
        "UPDATE articles SET category_id = $1, slug = $2, title = $3, body = $4, body_text = $5, "
        "is_published = $6, visibility = $7, updated_at = $8 WHERE id = $9",
        Params(input.category_id, input.slug, input.title, input.body, body_text,
               input.published ? 1 : 0, input.visibility, now, id));
    if (!changed) return std::unexpected(changed.error());
    if (*changed == 0) return fail(ErrorCode::kNotFound, "There is no such article.");
    return add_revision(c, id, input, me.id, now);
  });
  if (!saved) return fail(slug_conflict_or(saved.error()));
  return {};
}

Result<std::vector<Revision>> list_revisions(Env& env, const SessionUser& me,
                                             std::int64_t article_id) {
  if (auto ok = require_editor(env.db, me); !ok) return std::unexpected(ok.error());
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<Revision>> {
    auto rows = c.query(
        "SELECT r.id, r.article_id, r.title, '', COALESCE(u.name, ''), r.created_at "
        "FROM article_revisions r LEFT JOIN users u ON u.id = r.author_id "
        "WHERE r.article_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 200",
        Params(article_id));
    if (!rows) return std::unexpected(rows.error());
    std::vector<Revision> out;
    for (const auto& r : *rows) {
      out.push_back({r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.integer(5)});
    }
    return out;
  });
}

Result<Revision> get_revision(Env& env, const SessionUser& me, std::int64_t article_id,
                              std::int64_t revision_id) {
  if (auto ok = require_editor(env.db, me); !ok) return std::unexpected(ok.error());
  return env.db.with_connection([&](Connection& c) -> Result<Revision> {
    auto row = c.query_optional(
        "SELECT r.id, r.article_id, r.title, r.body, COALESCE(u.name, ''), r.created_at "
        "FROM article_revisions r LEFT JOIN users u ON u.id = r.author_id "
        "WHERE r.id = $1 AND r.article_id = $2",
        Params(revision_id, article_id));
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(ErrorCode::kNotFound, "There is no such revision.");
    const auto& r = **row;
    return Revision{r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.integer(5)};
  });
}

Result<std::vector<Category>> list_all_categories(Env& env, const SessionUser& me) {
  if (auto ok = require_editor(env.db, me); !ok) return std::unexpected(ok.error());
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<Category>> {
    auto rows = c.query(
        "SELECT c.id, c.slug, c.name, c.description, c.position, COUNT(a.id), "
        "COALESCE(SUM(a.is_published), 0) "
        "FROM article_categories c LEFT JOIN articles a ON a.category_id = c.id "
        "GROUP BY c.id, c.slug, c.name, c.description, c.position "
        "ORDER BY c.position, c.name, c.id");
    if (!rows) return std::unexpected(rows.error());
    std::vector<Category> out;
    for (const auto& r : *rows) {
      out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.integer(4), r.integer(5),
                     r.integer(6)});
    }
    return out;
  });
}

Result<std::int64_t> create_category(Env& env, const SessionUser& me, std::string name,
                                     std::string slug, std::string description) {
  if (auto ok = validate_category(name, description); !ok) return std::unexpected(ok.error());
  slug = trim(slug);
  if (slug.empty()) slug = slug_from_title(name);
  if (!is_valid_slug(slug)) {
    return fail(Error::invalid(
        "The address may hold only lower-case letters, digits and single hyphens.", "slug"));
  }
  if (auto ok = require_admin(me); !ok) return std::unexpected(ok.error());
  auto id = env.db.transaction([&](Connection& c) -> Result<std::int64_t> {
    auto taken =
        c.query_optional("SELECT id FROM article_categories WHERE slug = $1", Params(slug));
    if (!taken) return std::unexpected(taken.error());
    if (*taken) {
      return fail(ErrorCode::kConflict, "Another category already has this address.", "slug");
    }
    auto last = c.query_one("SELECT COALESCE(MAX(position), -1) FROM article_categories");
    if (!last) return std::unexpected(last.error());
    auto row = c.query_one(
        "INSERT INTO article_categories (slug, name, description, position) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        Params(slug, name, description, last->integer(0) + 1));
    if (!row) return std::unexpected(row.error());
    return row->integer(0);
  });
  if (!id && id.error().code == ErrorCode::kConflict && id.error().field.empty()) {
    return fail(ErrorCode::kConflict, "Another category already has this address.", "slug");
  }
  return id;
}

Result<void> update_category(Env& env, const SessionUser& me, std::int64_t id, std::string name,
                             std::string description, std::int64_t position) {
  if (auto ok = validate_category(name, description); !ok) return ok;
  if (position < 0 || position > 10'000) {
    return fail(Error::invalid("The position must be a number from 0 to 10000.", "position"));
  }
  if (auto ok = require_admin(me); !ok) return ok;
  return env.db.with_connection([&](Connection& c) -> Result<void> {
    auto changed = c.execute(
        "UPDATE article_categories SET name = $1, description = $2, position = $3 WHERE id = $4",
        Params(name, description, position, id));
    if (!changed) return std::unexpected(changed.error());
    if (*changed == 0) return fail(ErrorCode::kNotFound, "There is no such category.");
    return {};
  });
}

Result<void> save_status_definition(Env& env, const SessionUser& me, domain::Status status,
                                    std::string definition) {
  definition = trim(definition);
  if (utf8_characters(definition) > kMaxStatusDefinition) {
    return fail(Error::invalid(
        fmt::format("The definition is too long: at most {} characters.", kMaxStatusDefinition),
        "definition"));
  }
  if (auto ok = require_admin(me); !ok) return ok;
  // The built-in wording again: no override, so a later change of the built-in text shows.
  bool restore = definition.empty() || definition == domain::status_definition(status);
  auto saved = env.db.with_connection([&](Connection& c) -> Result<void> {
    auto done = restore ? c.execute("DELETE FROM status_definitions WHERE status = $1",
                                    Params(domain::to_code(status)))
                        : c.execute(
                              "INSERT INTO status_definitions (status, definition, updated_at) "
                              "VALUES ($1, $2, $3) ON CONFLICT (status) DO UPDATE SET "
                              "definition = excluded.definition, updated_at = excluded.updated_at",
                              Params(domain::to_code(status), definition, env.now()));
    if (!done) return std::unexpected(done.error());
    return {};
  });
  // Pages and mail of this process read the table again (also after a failure, which may have
  // come after the write landed).
  env.status_wording->invalidate();
  return saved;
}

Result<DeflectionStats> deflection_stats(Env& env, const SessionUser& me, int days) {
  if (auto ok = require_editor(env.db, me); !ok) return std::unexpected(ok.error());
  days = std::clamp(days, 1, 3650);
  std::int64_t now = env.now();
  std::int64_t since = (now / kDay - days + 1) * kDay;
  // Opened before this, the outcome is known: the person had a whole window to submit a ticket.
  std::int64_t decided_before = now - kDeflectionWindow;
  // Per article: opened, decided, answered (decided without a ticket by that person in the
  // window; the requester/created index answers each EXISTS).
  constexpr std::string_view kPerArticle = R"sql(
SELECT a.id, a.slug, a.title, COUNT(*),
       SUM(CASE WHEN o.user_id IS NOT NULL AND o.opened_at < $2 THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.user_id IS NOT NULL AND o.opened_at < $2 AND NOT EXISTS (
             SELECT 1 FROM tickets t WHERE t.requester_id = o.user_id
               AND t.created_at >= o.opened_at AND t.created_at < o.opened_at + $3)
           THEN 1 ELSE 0 END)
FROM article_suggestion_opens o JOIN articles a ON a.id = o.article_id
WHERE o.opened_at >= $1
GROUP BY a.id, a.slug, a.title
ORDER BY COUNT(*) DESC, a.title, a.id
)sql";
  return env.db.with_connection([&](Connection& c) -> Result<DeflectionStats> {
    DeflectionStats stats;
    stats.days = days;
    auto rows = c.query(kPerArticle, Params(since, decided_before, kDeflectionWindow));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) {
      DeflectionStats::PerArticle a{r.integer(0), r.text(1),    r.text(2),
                                    r.integer(3), r.integer(4), r.integer(5)};
      stats.opened += a.opened;
      stats.decided += a.decided;
      stats.answered += a.answered;
      if (stats.articles.size() < 20) stats.articles.push_back(std::move(a));
    }
    auto tickets =
        c.query_one("SELECT COUNT(*) FROM tickets WHERE created_at >= $1", Params(since));
    if (!tickets) return std::unexpected(tickets.error());
    stats.tickets_submitted = tickets->integer(0);
    return stats;
  });
}

}  // namespace portico::app
