#include "portico/app/help_center.hpp"

#include <map>

#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

constexpr std::string_view kListCategories = R"sql(
SELECT c.id, c.slug, c.name, c.description, a.id, a.slug, a.title, a.updated_at
FROM article_categories c
LEFT JOIN articles a
  ON a.category_id = c.id AND a.is_published = 1 AND (a.visibility = 'everyone' OR $1 = 1)
ORDER BY c.position, c.name, a.title
)sql";

constexpr std::string_view kFindArticle = R"sql(
SELECT a.id, a.slug, a.title, a.body, c.name, c.slug, a.updated_at
FROM articles a JOIN article_categories c ON c.id = a.category_id
WHERE a.slug = $1 AND a.is_published = 1 AND (a.visibility = 'everyone' OR $2 = 1)
)sql";

}  // namespace

Result<std::vector<CategoryWithArticles>> list_categories(storage::Database& db, bool logged_in) {
  return db.with_connection(
      [&](storage::Connection& c) -> Result<std::vector<CategoryWithArticles>> {
        auto rows = c.query(kListCategories, storage::Params(logged_in ? 1 : 0));
        if (!rows) return std::unexpected(rows.error());
        std::vector<CategoryWithArticles> out;
        for (const auto& row : *rows) {
          if (out.empty() || out.back().id != row.integer(0)) {
            out.push_back({row.integer(0), row.text(1), row.text(2), row.text(3), {}});
          }
          if (!row.is_null(4)) {
            out.back().articles.push_back(
                {row.integer(4), row.text(5), row.text(6), row.integer(7)});
          }
        }
        return out;
      });
}

Result<Article> find_article(storage::Database& db, const std::string& slug, bool logged_in) {
  return db.with_connection([&](storage::Connection& c) -> Result<Article> {
    auto row = c.query_optional(kFindArticle, storage::Params(slug, logged_in ? 1 : 0));
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(ErrorCode::kNotFound, "There is no such article.");
    const auto& r = **row;
    return Article{r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5),
                   r.integer(6)};
  });
}

}  // namespace portico::app
