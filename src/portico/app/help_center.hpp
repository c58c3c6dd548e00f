#pragma once
// Help Center reads and the few writes a reader makes: categories with their articles, one
// article by slug, related, popular and recent articles, full-text search, suggestions for the
// Communicate with Support form, "Was this helpful?" votes, suggestion and view counters, and
// the status definitions (built-in wording, or an admin's override).
//
// Who sees what is decided here, once, by the Audience: drafts exist only for staff (and only on
// the article page, as a preview); 'customers' articles only for logged-in users; 'everyone'
// articles for all. Search and suggestions never return drafts, to anyone.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/result.hpp"
#include "portico/domain/status.hpp"

namespace portico::storage {
class Database;
}

namespace portico::app {

struct Env;
struct SessionUser;

// Who is reading. Ordered: each sees everything the previous one sees.
enum class Audience {
  kPublic,    // logged out: published 'everyone' articles
  kLoggedIn,  // a customer (or any logged-in user): also published 'customers' articles
  kStaff,     // agents and admins: also drafts, on the article page only
};

// The audience of a request: null (logged out) is kPublic.
Audience audience_of(const SessionUser* user);

inline constexpr std::string_view kVisibilityEveryone = "everyone";
inline constexpr std::string_view kVisibilityCustomers = "customers";

struct ArticleSummary {
  std::int64_t id = 0;
  std::string slug;
  std::string title;
  std::string category_name;
  std::int64_t updated_at = 0;
};

struct CategoryWithArticles {
  std::int64_t id = 0;
  std::string slug;
  std::string name;
  std::string description;
  std::vector<ArticleSummary> articles;  // the first `limit` the reader may see, by title
  std::int64_t total = 0;                // how many the reader may see in all
};

struct Article {
  std::int64_t id = 0;
  std::string slug;
  std::string title;
  std::string body;  // Markdown
  std::int64_t category_id = 0;
  std::string category_name;
  std::string category_slug;
  bool is_published = false;
  std::string visibility;  // kVisibilityEveryone or kVisibilityCustomers
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// One search result. title_html and snippet_html are escaped HTML with <mark> around matches.
struct SearchHit {
  std::int64_t id = 0;
  std::string slug;
  std::string title;
  std::string title_html;
  std::string snippet_html;
  std::string category_name;
  std::int64_t updated_at = 0;
};

struct SearchResults {
  std::vector<SearchHit> hits;
  bool any_word = false;  // no article had every word: these have some of them
  bool has_more = false;  // another page follows
};

// Categories in their order, each with the articles the audience may see (published only, also
// for staff). Categories with nothing to show are left out unless include_empty.
[[nodiscard]] Result<std::vector<CategoryWithArticles>> list_categories(storage::Database& db,
                                                                        Audience audience,
                                                                        int limit_per_category,
                                                                        bool include_empty = false);

// One category with all the articles the audience may see. kNotFound when there is no such
// category.
[[nodiscard]] Result<CategoryWithArticles> find_category(storage::Database& db,
                                                         const std::string& slug,
                                                         Audience audience);

// kNotFound for articles the audience may not see (the same answer as for a missing one). Staff
// also get drafts: the article page is their preview.
[[nodiscard]] Result<Article> find_article(storage::Database& db, const std::string& slug,
                                           Audience audience);

// Published articles the audience may see: most viewed (with at least one view), most recently
// updated, and others in the same category as `article` (most viewed first).
[[nodiscard]] Result<std::vector<ArticleSummary>> popular_articles(storage::Database& db,
                                                                   Audience audience, int limit);
[[nodiscard]] Result<std::vector<ArticleSummary>> recent_articles(storage::Database& db,
                                                                  Audience audience, int limit);
[[nodiscard]] Result<std::vector<ArticleSummary>> related_articles(storage::Database& db,
                                                                   const Article& article,
                                                                   Audience audience, int limit);

// Full-text search (title weighted above body) over the published articles the audience may
// see, best first. Every word must match, the last as a prefix; when no article has them all,
// articles with any of them are returned and any_word is set. page counts from 1. A query
// without letters or digits returns nothing.
[[nodiscard]] Result<SearchResults> search_articles(storage::Database& db, std::string_view query,
                                                    Audience audience, int page, int page_size);

// The best articles for a ticket subject being typed: any of its meaningful words (common words
// such as "the" or "not" are ignored), best first, at most `limit`.
[[nodiscard]] Result<std::vector<SearchHit>> suggest_articles(storage::Database& db,
                                                              std::string_view subject,
                                                              Audience audience, int limit);

enum class Vote { kYes, kNo };

// Counts one "Was this helpful?" answer. Precondition: the caller found the article with
// find_article for this reader.
[[nodiscard]] Result<void> record_vote(Env& env, std::int64_t article_id, Vote vote);

// Records that an article suggested on the Communicate with Support form was opened, by whom
// (nullopt when logged out): the deflection numbers compare it with the tickets that followed.
[[nodiscard]] Result<void> record_suggestion_open(Env& env, std::int64_t article_id,
                                                  std::optional<std::int64_t> user_id);

// Counts a page view. Views are buffered in memory and written at most every few seconds per
// process (a page view must not wait for the write lock); a crash loses those few seconds.
void record_view(Env& env, std::int64_t article_id);

// A workflow status as the Help Center explains it.
struct StatusDefinition {
  domain::Status status;
  std::string definition;       // the admin's wording when set, else the built-in one
  bool overridden = false;      // true when an admin's wording is shown
  std::int64_t updated_at = 0;  // when the override was saved (0 without one)
};

// Every status in code order, from the domain's status table, with admins' overrides applied.
[[nodiscard]] Result<std::vector<StatusDefinition>> status_definitions(storage::Database& db);

}  // namespace portico::app
