#include "portico/app/help_center.hpp"
#include "portico/app/highlight.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "portico/app/accounts.hpp"
#include "portico/app/articles.hpp"
#include "portico/app/env.hpp"
#include "portico/app/highlight.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Backend;
using storage::Connection;
using storage::Params;

// ---- What a reader may see ----------------------------------------------------------------------

// Every public list filters with this: published, and 'everyone' unless the reader is logged in
// ($n is 1 for a logged-in reader).
constexpr std::string_view kVisibleTo =
    "a.is_published = 1 AND (a.visibility = 'everyone' OR ${} = 1)";

std::string visible_to(int param) { return fmt::format(fmt::runtime(kVisibleTo), param); }

int logged_in(Audience audience) { return audience == Audience::kPublic ? 0 : 1; }

// ---- Queries ------------------------------------------------------------------------------------

// Each category with the first $2 articles the reader may see, by title. Only those rows are
// read: the Help Center home shows a few titles per category, and reading every article (to count
// them and keep the first few) stepped over each one's body to reach its later columns.
constexpr std::string_view kListCategories = R"sql(
SELECT c.id, c.slug, c.name, c.description, a.id, a.slug, a.title, a.updated_at
FROM article_categories c
LEFT JOIN articles a ON a.id IN (
  SELECT x.id FROM articles x
  WHERE x.category_id = c.id AND x.is_published = 1 AND (x.visibility = 'everyone' OR $1 = 1)
  ORDER BY x.title, x.id LIMIT $2)
ORDER BY c.position, c.name, c.id, a.title, a.id
)sql";

// PostgreSQL runs the correlated IN above once per category and article (900 times for 6
// categories and 150 articles: 5.8 ms in EXPLAIN ANALYZE); a LATERAL join reads each category's
// first articles once (0.23 ms). SQLite has no LATERAL and runs the IN once per category.
constexpr std::string_view kListCategoriesLateral = R"sql(
SELECT c.id, c.slug, c.name, c.description, a.id, a.slug, a.title, a.updated_at
FROM article_categories c
LEFT JOIN LATERAL (
  SELECT x.id, x.slug, x.title, x.updated_at FROM articles x
  WHERE x.category_id = c.id AND x.is_published = 1 AND (x.visibility = 'everyone' OR $1 = 1)
  ORDER BY x.title, x.id LIMIT $2) a ON TRUE
ORDER BY c.position, c.name, c.id, a.title, a.id
)sql";

// How many articles of each category the reader may see.
constexpr std::string_view kCountArticles = R"sql(
SELECT a.category_id, COUNT(*) FROM articles a
WHERE a.is_published = 1 AND (a.visibility = 'everyone' OR $1 = 1)
GROUP BY a.category_id
)sql";

constexpr std::string_view kFindCategory = R"sql(
SELECT c.id, c.slug, c.name, c.description, a.id, a.slug, a.title, a.updated_at
FROM article_categories c
LEFT JOIN articles a
  ON a.category_id = c.id AND a.is_published = 1 AND (a.visibility = 'everyone' OR $2 = 1)
WHERE c.slug = $1
ORDER BY a.title, a.id
)sql";

constexpr std::string_view kFindArticle = R"sql(
SELECT a.id, a.slug, a.title, a.body, a.category_id, c.name, c.slug, a.is_published,
       a.visibility, a.created_at, a.updated_at
FROM articles a JOIN article_categories c ON c.id = a.category_id
WHERE a.slug = $1 AND (a.is_published = 1 OR $3 = 1) AND (a.visibility = 'everyone' OR $2 = 1)
)sql";

constexpr std::string_view kSummaryColumns =
    "SELECT a.id, a.slug, a.title, c.name, a.updated_at "
    "FROM articles a JOIN article_categories c ON c.id = a.category_id ";

// ---- Search words -------------------------------------------------------------------------------

// Words too common to say anything about a ticket subject (suggestions only; search keeps them).
constexpr std::array<std::string_view, 64> kCommonWords = {
    "a",     "about", "after", "all",    "also", "am",   "an",     "and",   "any",  "are", "as",
    "at",    "be",    "been",  "but",    "by",   "can",  "cannot", "could", "did",  "do",  "does",
    "doesn", "don",   "for",   "from",   "get",  "got",  "had",    "has",   "have", "how", "i",
    "if",    "in",    "into",  "is",     "it",   "its",  "me",     "my",    "no",   "not", "of",
    "on",    "or",    "our",   "please", "so",   "that", "the",    "this",  "to",   "was", "we",
    "what",  "when",  "where", "why",    "will", "with", "won",    "you",   "your"};

bool is_common_word(std::string_view word) {
  return std::find(kCommonWords.begin(), kCommonWords.end(), word) != kCommonWords.end();
}

// The length of the well-formed UTF-8 sequence at the start of s (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_length(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char lead = byte(0);
  std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || s.size() < length) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  unsigned char second = byte(1);
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second >= 0xA0) ||
      (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second >= 0x90)) {
    return 0;
  }
  return length;
}

// Spaces and punctuation outside ASCII that separate words: U+00A0 (no-break space), U+00AB and
// U+00BB (guillemets), U+2000..U+207F (spaces, dashes, quotes, ellipsis…), U+3000..U+303F (CJK
// spaces and punctuation).
bool is_unicode_separator(std::string_view c) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(c[i]); };
  if (c.size() == 2)
    return byte(0) == 0xC2 && (byte(1) == 0xA0 || byte(1) == 0xAB || byte(1) == 0xBB);
  if (c.size() == 3) {
    return (byte(0) == 0xE2 && (byte(1) == 0x80 || byte(1) == 0x81)) ||
           (byte(0) == 0xE3 && byte(1) == 0x80);
  }
  return false;
}

// The words of a query as the full-text engines see them: runs of ASCII letters and digits and
// of other (well-formed UTF-8) letters, lower-cased; at most 8 words of at most 64 bytes. Nothing
// else reaches the query language, so no operator or quote can be injected, and malformed UTF-8
// never reaches the database.
std::vector<std::string> search_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty() && words.size() < 8) {
      // At most 64 bytes, cut at a character boundary (never half of a UTF-8 sequence).
      std::size_t end = std::min<std::size_t>(current.size(), 64);
      while (end < current.size() && end > 0 &&
             (static_cast<unsigned char>(current[end]) & 0xC0) == 0x80) {
        --end;
      }
      if (end > 0) words.push_back(current.substr(0, end));
    }
    current.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char u = static_cast<unsigned char>(text[i]);
    if (u < 0x80) {
      if (std::isalnum(u)) {
        current += static_cast<char>(std::tolower(u));
      } else {
        flush();
      }
      continue;
    }
    std::size_t length = utf8_length(text.substr(i));
    if (length == 0) {  // not UTF-8: a separator, never passed on to the database
      flush();
      continue;
    }
    std::string_view character = text.substr(i, length);
    i += length - 1;
    if (is_unicode_separator(character)) {
      flush();
    } else {
      current += character;
    }
  }
  flush();
  return words;
}

// One query in the engine's language: every word (joined by `all`) or any word; the last word
// a prefix when `prefix_last` (results follow typing).
std::string engine_query(Backend backend, const std::vector<std::string>& words, bool all,
                         bool prefix_last) {
  std::string q;
  for (std::size_t i = 0; i < words.size(); ++i) {
    bool last = i + 1 == words.size();
    if (backend == Backend::kSqlite) {
      // FTS5: "w1" "w2"*  or  "w1" OR "w2"*
      if (i) q += all ? " " : " OR ";
      q += '"' + words[i] + '"';
      if (last && prefix_last) q += '*';
    } else {
      // to_tsquery: 'w1' & 'w2':*  or  'w1' | 'w2':*  (quoted: the parser takes them as text)
      if (i) q += all ? " & " : " | ";
      q += '\'' + words[i] + '\'';
      if (last && prefix_last) q += ":*";
    }
  }
  return q;
}

std::string plain(std::string_view highlighted) {
  std::string out;
  for (char c : highlighted) {
    if (c != '\x02' && c != '\x03') out += c;
  }
  return out;
}

// Runs one ranked full-text query (already in the engine's language).
Result<std::vector<SearchHit>> run_search(Connection& c, const std::string& engine_text,
                                          Audience audience, int limit, int offset) {
  std::string sql;
  if (c.backend() == Backend::kSqlite) {
    sql = fmt::format(
        "SELECT a.id, a.slug, c.name, a.updated_at, "
        "highlight(articles_fts, 0, char(2), char(3)), "
        "snippet(articles_fts, 1, char(2), char(3), '…', 24) "
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        "JOIN article_categories c ON c.id = a.category_id "
        "WHERE articles_fts MATCH $1 AND {} "
        "ORDER BY bm25(articles_fts, 10.0, 1.0), a.id LIMIT $3 OFFSET $4",
        visible_to(2));
  } else {
    constexpr std::string_view kTitleOptions =
        "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', HighlightAll=true'";
    constexpr std::string_view kBodyOptions =
        "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=30, MinWords=12, "
        "MaxFragments=1, FragmentDelimiter=…'";
    sql = fmt::format(
        "SELECT a.id, a.slug, c.name, a.updated_at, "
        "ts_headline('simple', a.title, q, {}), ts_headline('simple', a.body_text, q, {}) "
        "FROM articles a JOIN article_categories c ON c.id = a.category_id, "
        "to_tsquery('simple', $1) q "
        "WHERE a.search_tsv @@ q AND {} "
        "ORDER BY ts_rank(a.search_tsv, q) DESC, a.id LIMIT $3 OFFSET $4",
        kTitleOptions, kBodyOptions, visible_to(2));
  }
  auto rows = c.query(sql, Params(engine_text, logged_in(audience), limit, offset));
  if (!rows) return std::unexpected(rows.error());
  std::vector<SearchHit> hits;
  for (const auto& r : *rows) {
    std::string title = r.text(4);
    hits.push_back({r.integer(0), r.text(1), plain(title), highlight_html(title),
                    highlight_html(r.text(5)), r.text(2), r.integer(3)});
  }
  return hits;
}

Result<std::vector<ArticleSummary>> summaries(Connection& c, std::string_view sql,
                                              const Params& params) {
  auto rows = c.query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  std::vector<ArticleSummary> out;
  for (const auto& r : *rows) {
    out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.integer(4)});
  }
  return out;
}

// ---- Buffered view counts -----------------------------------------------------------------------

constexpr std::int64_t kViewFlushSeconds = 5;

// Page views waiting to be written, per database (a process normally has one).
class ViewBuffer {
 public:
  // Adds a view; returns the views to write now (empty until the flush interval has passed).
  std::map<std::int64_t, std::int64_t> add(storage::Database* db, std::int64_t article_id,
                                           std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto& pending = pending_[db];
    ++pending.views[article_id];
    if (now - pending.last_flush < kViewFlushSeconds) return {};
    pending.last_flush = now;
    return std::exchange(pending.views, {});
  }

 private:
  struct Pending {
    std::map<std::int64_t, std::int64_t> views;
    std::int64_t last_flush = 0;
  };
  std::mutex mutex_;
  std::map<storage::Database*, Pending> pending_;
};

ViewBuffer& view_buffer() {
  static ViewBuffer buffer;
  return buffer;
}

}  // namespace

Audience audience_of(const SessionUser* user) {
  if (user == nullptr) return Audience::kPublic;
  return user->is_staff() ? Audience::kStaff : Audience::kLoggedIn;
}

Result<std::vector<CategoryWithArticles>> list_categories(storage::Database& db, Audience audience,
                                                          int limit_per_category,
                                                          bool include_empty) {
  return db.read([&](Connection& c) -> Result<std::vector<CategoryWithArticles>> {
    auto rows =
        c.query(c.backend() == Backend::kPostgres ? kListCategoriesLateral : kListCategories,
                Params(logged_in(audience), std::max(limit_per_category, 0)));
    if (!rows) return std::unexpected(rows.error());
    auto counts = c.query(kCountArticles, Params(logged_in(audience)));
    if (!counts) return std::unexpected(counts.error());
    std::map<std::int64_t, std::int64_t> total;  // category id → articles
    for (const auto& row : *counts) total[row.integer(0)] = row.integer(1);
    std::vector<CategoryWithArticles> out;
    for (const auto& row : *rows) {
      if (out.empty() || out.back().id != row.integer(0)) {
        std::int64_t id = row.integer(0);
        out.push_back({id, row.text(1), row.text(2), row.text(3), {}, total[id]});
      }
      if (row.is_null(4)) continue;
      auto& category = out.back();
      category.articles.push_back(
          {row.integer(4), row.text(5), row.text(6), category.name, row.integer(7)});
    }
    if (!include_empty) {
      std::erase_if(out, [](const CategoryWithArticles& x) { return x.total == 0; });
    }
    return out;
  });
}

Result<CategoryWithArticles> find_category(storage::Database& db, const std::string& slug,
                                           Audience audience) {
  if (!is_valid_slug(slug)) return fail(ErrorCode::kNotFound, "There is no such category.");
  return db.with_connection([&](Connection& c) -> Result<CategoryWithArticles> {
    auto rows = c.query(kFindCategory, Params(slug, logged_in(audience)));
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return fail(ErrorCode::kNotFound, "There is no such category.");
    const auto& first = (*rows)[0];
    CategoryWithArticles out{first.integer(0), first.text(1), first.text(2), first.text(3), {}, 0};
    for (const auto& row : *rows) {
      if (row.is_null(4)) continue;
      out.articles.push_back({row.integer(4), row.text(5), row.text(6), out.name, row.integer(7)});
      ++out.total;
    }
    return out;
  });
}

Result<Article> find_article(storage::Database& db, const std::string& slug, Audience audience) {
  // Only well-formed slugs reach the database (a stray byte in the path is just a missing page).
  if (!is_valid_slug(slug)) return fail(ErrorCode::kNotFound, "There is no such article.");
  return db.with_connection([&](Connection& c) -> Result<Article> {
    auto row = c.query_optional(
        kFindArticle, Params(slug, logged_in(audience), audience == Audience::kStaff ? 1 : 0));
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(ErrorCode::kNotFound, "There is no such article.");
    const auto& r = **row;
    return Article{r.integer(0), r.text(1),    r.text(2),    r.text(3),
                   r.integer(4), r.text(5),    r.text(6),    r.integer(7) == 1,
                   r.text(8),    r.integer(9), r.integer(10)};
  });
}

Result<std::vector<ArticleSummary>> popular_articles(storage::Database& db, Audience audience,
                                                     int limit) {
  return db.with_connection([&](Connection& c) {
    return summaries(c,
                     fmt::format("{} WHERE {} AND a.views > 0 "
                                 "ORDER BY a.views DESC, a.title, a.id LIMIT $2",
                                 kSummaryColumns, visible_to(1)),
                     Params(logged_in(audience), limit));
  });
}

Result<std::vector<ArticleSummary>> recent_articles(storage::Database& db, Audience audience,
                                                    int limit) {
  return db.with_connection([&](Connection& c) {
    return summaries(c,
                     fmt::format("{} WHERE {} ORDER BY a.updated_at DESC, a.id DESC LIMIT $2",
                                 kSummaryColumns, visible_to(1)),
                     Params(logged_in(audience), limit));
  });
}

Result<std::vector<ArticleSummary>> related_articles(storage::Database& db, const Article& article,
                                                     Audience audience, int limit) {
  return db.with_connection([&](Connection& c) {
    return summaries(c,
                     fmt::format("{} WHERE a.category_id = $2 AND a.id <> $3 AND {} "
                                 "ORDER BY a.views DESC, a.title, a.id LIMIT $4",
                                 kSummaryColumns, visible_to(1)),
                     Params(logged_in(audience), article.category_id, article.id, limit));
  });
}

Result<SearchResults> search_articles(storage::Database& db, std::string_view query,
                                      Audience audience, int page, int page_size) {
  auto words = search_words(query);
  SearchResults results;
  if (words.empty()) return results;
  page = std::max(page, 1);
  page_size = std::clamp(page_size, 1, 100);
  int offset = (std::min(page, 1000) - 1) * page_size;
  return db.with_connection([&](Connection& c) -> Result<SearchResults> {
    auto hits = run_search(c, engine_query(c.backend(), words, true, true), audience, page_size + 1,
                           offset);
    if (!hits) return std::unexpected(hits.error());
    if (hits->empty() && words.size() > 1 && page == 1) {
      hits = run_search(c, engine_query(c.backend(), words, false, true), audience, page_size + 1,
                        offset);
      if (!hits) return std::unexpected(hits.error());
      results.any_word = !hits->empty();
    }
    if (static_cast<int>(hits->size()) > page_size) {
      results.has_more = true;
      hits->resize(static_cast<std::size_t>(page_size));
    }
    results.hits = std::move(*hits);
    return results;
  });
}

Result<std::vector<SearchHit>> suggest_articles(storage::Database& db, std::string_view subject,
                                                Audience audience, int limit) {
  auto all_words = search_words(subject);
  std::vector<std::string> words;
  for (std::size_t i = 0; i < all_words.size(); ++i) {
    const auto& w = all_words[i];
    bool last = i + 1 == all_words.size();
    // Two letters say little; a last word still being typed needs three to be a useful prefix.
    if (w.size() < (last ? 3u : 2u) || is_common_word(w)) continue;
    words.push_back(w);
  }
  if (words.empty()) return std::vector<SearchHit>{};
  bool prefix = !all_words.empty() && words.back() == all_words.back();
  return db.with_connection([&](Connection& c) {
    return run_search(c, engine_query(c.backend(), words, false, prefix), audience,
                      std::clamp(limit, 1, 10), 0);
  });
}

Result<void> record_vote(Env& env, std::int64_t article_id, Vote vote) {
  return env.db.with_connection([&](Connection& c) -> Result<void> {
    auto counted = c.execute(vote == Vote::kYes
                                 ? "UPDATE articles SET helpful_yes = helpful_yes + 1 WHERE id = $1"
                                 : "UPDATE articles SET helpful_no = helpful_no + 1 WHERE id = $1",
                             Params(article_id));
    if (!counted) return std::unexpected(counted.error());
    return {};
  });
}

Result<void> record_suggestion_open(Env& env, std::int64_t article_id,
                                    std::optional<std::int64_t> user_id) {
  return env.db.with_connection([&](Connection& c) -> Result<void> {
    auto recorded = c.execute(
        "INSERT INTO article_suggestion_opens (article_id, user_id, opened_at) VALUES ($1, $2, $3)",
        Params(article_id, user_id, env.now()));
    if (!recorded) return std::unexpected(recorded.error());
    return {};
  });
}

void record_view(Env& env, std::int64_t article_id) {
  auto due = view_buffer().add(&env.db, article_id, env.now());
  if (due.empty()) return;
  auto written = env.db.transaction([&](Connection& c) -> Result<void> {
    for (const auto& [id, views] : due) {
      auto updated =
          c.execute("UPDATE articles SET views = views + $1 WHERE id = $2", Params(views, id));
      if (!updated) return std::unexpected(updated.error());
    }
    return {};
  });
  // Counting is best effort: a busy database must not fail the page being read.
  if (!written) spdlog::warn("article views not recorded: {}", written.error().message);
}

Result<std::vector<StatusDefinition>> status_definitions(storage::Database& db) {
  return db.with_connection([&](Connection& c) -> Result<std::vector<StatusDefinition>> {
    auto rows = c.query("SELECT status, definition, updated_at FROM status_definitions");
    if (!rows) return std::unexpected(rows.error());
    std::vector<StatusDefinition> out;
    for (auto status : domain::all_statuses()) {
      StatusDefinition d{status, std::string(domain::status_definition(status)), false, 0};
      for (const auto& r : *rows) {
        if (r.integer(0) == domain::to_code(status) && !r.text(1).empty()) {
          d.definition = r.text(1);
          d.overridden = true;
          d.updated_at = r.integer(2);
        }
      }
      out.push_back(std::move(d));
    }
    return out;
  });
}

}  // namespace portico::app
