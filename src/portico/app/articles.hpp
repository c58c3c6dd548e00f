#pragma once
// Writing the Help Center: articles (create, edit, publish, visibility; every save kept as a
// revision), categories (create, rename, order), admins' wording for the status definitions,
// and the deflection numbers behind the suggestions on the Communicate with Support form.
//
// Who may write: admins always; agents while the setting `articles_agents_may_edit` is on (the
// default; an admin can turn it off). Categories, status wording and that setting: admins only.
// Every service checks this itself; pages only hide what the person cannot use.

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

inline constexpr std::string_view kAgentsMayEditSetting = "articles_agents_may_edit";
inline constexpr std::size_t kMaxArticleTitle = 200;
inline constexpr std::size_t kMaxArticleBody = 100'000;
inline constexpr std::size_t kMaxSlug = 100;
inline constexpr std::size_t kMaxCategoryName = 100;
inline constexpr std::size_t kMaxCategoryDescription = 500;
inline constexpr std::size_t kMaxStatusDefinition = 1'000;

// What the editor form sends. An empty slug is made from the title.
struct ArticleInput {
  std::string title;
  std::string slug;
  std::int64_t category_id = 0;
  std::string body;        // Markdown
  bool published = false;  // false: a draft, seen only by staff
  std::string visibility;  // "everyone" or "customers"
};

// One article as the editor sees it (drafts included).
struct EditableArticle {
  std::int64_t id = 0;
  ArticleInput input;
  std::string category_name;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::string author_name;  // who created it
  std::int64_t helpful_yes = 0;
  std::int64_t helpful_no = 0;
  std::int64_t views = 0;
  std::int64_t suggestion_opens = 0;  // all time
};

struct Revision {
  std::int64_t id = 0;
  std::int64_t article_id = 0;
  std::string title;
  std::string body;
  std::string author_name;  // "" when the author was removed
  std::int64_t created_at = 0;
};

struct Category {
  std::int64_t id = 0;
  std::string slug;
  std::string name;
  std::string description;
  std::int64_t position = 0;
  std::int64_t articles = 0;   // all, drafts included
  std::int64_t published = 0;  // published only
};

// How long after opening a suggested article a ticket from the same person still counts as
// "the article did not answer the question".
inline constexpr std::int64_t kDeflectionWindow = 86'400;

// The deflection numbers for suggestions opened in the last `days` days (UTC days, today
// included). An opening is "answered" when the person submitted no ticket within
// kDeflectionWindow after it; openings younger than that, or by someone logged out, are still
// undecided.
struct DeflectionStats {
  int days = 0;
  std::int64_t opened = 0;             // suggested articles opened in the period
  std::int64_t decided = 0;            // … whose outcome is known
  std::int64_t answered = 0;           // … not followed by a ticket: the ticket was abandoned
  std::int64_t tickets_submitted = 0;  // tickets created in the same period
  struct PerArticle {
    std::int64_t id = 0;
    std::string slug;
    std::string title;
    std::int64_t opened = 0;
    std::int64_t decided = 0;
    std::int64_t answered = 0;
  };
  std::vector<PerArticle> articles;  // most opened first, at most 20
};

// True when this person may write articles (reads the setting for agents).
[[nodiscard]] Result<bool> may_edit_articles(storage::Database& db, const SessionUser& me);
[[nodiscard]] Result<bool> agents_may_edit_articles(storage::Database& db);
// Admins only.
[[nodiscard]] Result<void> set_agents_may_edit_articles(Env& env, const SessionUser& me,
                                                        bool allowed);

// The slug made from a title: lower-case ASCII letters and digits joined by single hyphens,
// at most kMaxSlug bytes; "" when the title has none.
std::string slug_from_title(std::string_view title);
// True for a well-formed slug: [a-z0-9]+(-[a-z0-9]+)*, at most kMaxSlug bytes.
bool is_valid_slug(std::string_view slug);

// Every article, drafts included, by category and title.
[[nodiscard]] Result<std::vector<EditableArticle>> list_all_articles(Env& env,
                                                                     const SessionUser& me);
[[nodiscard]] Result<EditableArticle> get_article(Env& env, const SessionUser& me, std::int64_t id);
// kInvalidArgument (with the field) for a bad input, kConflict (field "slug") when another
// article has the slug. Adds the first revision. Returns the new article's id.
[[nodiscard]] Result<std::int64_t> create_article(Env& env, const SessionUser& me,
                                                  ArticleInput input);
// Same checks as create_article; adds a revision on every save.
[[nodiscard]] Result<void> update_article(Env& env, const SessionUser& me, std::int64_t id,
                                          ArticleInput input);
// Newest first.
[[nodiscard]] Result<std::vector<Revision>> list_revisions(Env& env, const SessionUser& me,
                                                           std::int64_t article_id);
[[nodiscard]] Result<Revision> get_revision(Env& env, const SessionUser& me,
                                            std::int64_t article_id, std::int64_t revision_id);

// Categories in their order, with article counts. Any article editor may list them.
[[nodiscard]] Result<std::vector<Category>> list_all_categories(Env& env, const SessionUser& me);
// Admins only. An empty slug is made from the name. Returns the new category's id.
[[nodiscard]] Result<std::int64_t> create_category(Env& env, const SessionUser& me,
                                                   std::string name, std::string slug,
                                                   std::string description);
// Admins only: rename, describe and move a category (its slug stays, so links keep working).
[[nodiscard]] Result<void> update_category(Env& env, const SessionUser& me, std::int64_t id,
                                           std::string name, std::string description,
                                           std::int64_t position);

// Admins only: the wording customers see for a status; empty restores the built-in definition.
// This process shows it from the next request on, other processes within StatusWording's time
// to live.
[[nodiscard]] Result<void> save_status_definition(Env& env, const SessionUser& me,
                                                  domain::Status status, std::string definition);

// Article editors: suggestions opened and abandoned tickets, and tickets submitted, in the period.
[[nodiscard]] Result<DeflectionStats> deflection_stats(Env& env, const SessionUser& me, int days);

}  // namespace portico::app
