// Help Center pages: the home page (categories and articles) and an article.

#include "portico/app/help_center.hpp"
#include "portico/core/markdown.hpp"
#include "portico/web/app.hpp"

namespace portico::web {

namespace {

Result<http::Response> home(Context& ctx) {
  auto categories = app::list_categories(ctx.services().db, false);
  if (!categories) return std::unexpected(categories.error());
  Data list{Data::type::list};
  for (const auto& category : *categories) {
    Data item;
    item.set("name", category.name);
    item.set("description", category.description);
    Data articles{Data::type::list};
    for (const auto& article : category.articles) {
      Data a;
      a.set("slug", article.slug);
      a.set("title", article.title);
      articles.push_back(a);
    }
    item.set("articles", articles);
    item.set("has_articles", !category.articles.empty());
    list.push_back(item);
  }
  Data data;
  data.set("categories", list);
  data.set("has_categories", !categories->empty());
  return ctx.page("home", std::move(data), "Help Center");
}

Result<http::Response> article(Context& ctx) {
  auto found = app::find_article(ctx.services().db, std::string(ctx.param("slug")), false);
  if (!found) return std::unexpected(found.error());
  Data data;
  data.set("title", found->title);
  data.set("body_html", markdown::to_html(found->body));
  data.set("category_name", found->category_name);
  return ctx.page("article", std::move(data), found->title);
}

}  // namespace

void install_help_center_routes(App& app) {
  app.get("/", home);
  app.get("/articles/{slug}", article);
}

}  // namespace portico::web
