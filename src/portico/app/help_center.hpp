#pragma once
// Help Center reads: categories with their published articles, and one article by slug.
// Visibility: 'everyone' articles are public; 'customers' articles need a logged-in user.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portico/core/result.hpp"

namespace portico::storage {
class Database;
}

namespace portico::app {

struct ArticleSummary {
  std::int64_t id = 0;
  std::string slug;
  std::string title;
  std::int64_t updated_at = 0;
};

struct CategoryWithArticles {
  std::int64_t id = 0;
  std::string slug;
  std::string name;
  std::string description;
  std::vector<ArticleSummary> articles;
};

struct Article {
  std::int64_t id = 0;
  std::string slug;
  std::string title;
  std::string body;  // Markdown
  std::string category_name;
  std::string category_slug;
  std::int64_t updated_at = 0;
};

[[nodiscard]] Result<std::vector<CategoryWithArticles>> list_categories(storage::Database& db,
                                                                        bool logged_in);

// kNotFound for drafts and for articles the viewer may not see (same answer as a missing one).
[[nodiscard]] Result<Article> find_article(storage::Database& db, const std::string& slug,
                                           bool logged_in);

}  // namespace portico::app
