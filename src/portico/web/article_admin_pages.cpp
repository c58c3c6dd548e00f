// The Help Center's admin pages: the article list and editor (live preview, revisions),
// categories, the wording of the status definitions, and the deflection numbers. Article editors
// are admins, and agents while an admin allows it; the services check the same rules again.

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "portico/app/articles.hpp"
#include "portico/app/help_center.hpp"
#include "portico/core/markdown.hpp"
#include "portico/core/time.hpp"
#include "portico/web/app.hpp"
#include "portico/web/form_errors.hpp"
#include "portico/web/view_helpers.hpp"

namespace portico::web {

void install_article_admin_routes(App& app);

namespace {

using app::SessionUser;

constexpr std::array<int, 4> kDeflectionPeriods = {7, 30, 90, 365};

// ---- Small helpers ------------------------------------------------------------------------------

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || text.size() > 18 || ec != std::errc{} || end != text.data() + text.size() ||
      id <= 0) {
    return std::nullopt;
  }
  return id;
}

Result<std::int64_t> id_param(Context& ctx, std::string_view name = "id") {
  if (auto id = parse_id(ctx.param(name))) return *id;
  return fail(ErrorCode::kNotFound, "There is nothing here. The link may be old.");
}

// Staff who may write articles; others get 403 (logged out: the login page).
Result<const SessionUser*> require_editor(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return me;
  auto may = app::may_edit_articles(ctx.services().db, **me);
  if (!may) return std::unexpected(may.error());
  if (!*may) {
    return fail(ErrorCode::kPermissionDenied,
                "An admin has not allowed agents to write Help Center articles.");
  }
  return me;
}

std::string when(std::int64_t unix_seconds, const SessionUser& me) {
  return time::format_local(unix_seconds, me.time_zone);
}

// The tabs of the Help Center's admin pages this person may use.
Data help_nav(const SessionUser& me, std::string_view current) {
  struct Tab {
    std::string_view key, href, label;
    bool admin_only;
  };
  constexpr Tab kTabs[] = {
      {"articles", "/admin/help/articles", "Articles", false},
      {"categories", "/admin/help/categories", "Categories", true},
      {"statuses", "/admin/help/statuses", "Status definitions", true},
      {"deflection", "/admin/help/deflection", "Deflection", false},
  };
  Data tabs{Data::type::list};
  for (const auto& tab : kTabs) {
    if (tab.admin_only && !me.is_admin()) continue;
    Data t;
    put(t, "href", std::string(tab.href));
    put(t, "label", std::string(tab.label));
    put(t, "current", tab.key == current);
    append(tabs, std::move(t));
  }
  return tabs;
}

Data base_data(const SessionUser& me, std::string_view current) {
  Data data;
  put(data, "help_nav", help_nav(me, current));
  put(data, "is_admin", me.is_admin());
  return data;
}

// A notice after a redirect (?done=…): fixed texts only, never the query's own words.
void add_notice(Context& ctx, Data& data) {
  auto query = ctx.query();
  if (!query) return;
  static const std::pair<std::string_view, std::string_view> kNotices[] = {
      {"created", "The article is created."},
      {"saved", "The article is saved. Every save is kept as a revision."},
      {"category-created", "The category is created."},
      {"category-saved", "The category is saved."},
      {"definition-saved",
       "The definition is saved. Customers see it wherever the status is "
       "explained in the Help Center."},
      {"settings-saved", "The setting is saved."},
  };
  std::string done = (*query)->get("done");
  for (const auto& [key, text] : kNotices) {
    if (done == key) put(data, "notice", std::string(text));
  }
}

// ---- Articles -----------------------------------------------------------------------------------

Result<http::Response> articles_page(Context& ctx) {
  auto me = require_editor(ctx);
  if (!me) return std::unexpected(me.error());
  auto& env = ctx.services().env;
  auto articles = app::list_all_articles(env, **me);
  if (!articles) return std::unexpected(articles.error());
  Data rows{Data::type::list};
  for (const auto& a : *articles) {
    Data r;
    put(r, "href", fmt::format("/admin/help/articles/{}", a.id));
    put(r, "view_href", fmt::format("/articles/{}", a.input.slug));
    put(r, "title", a.input.title);
    put(r, "category", a.category_name);
    put(r, "published", a.input.published);
    put(r, "customers_only", a.input.visibility == app::kVisibilityCustomers);
    put(r, "updated", when(a.updated_at, **me));
    put(r, "views", std::to_string(a.views));
    put(r, "helpful_yes", std::to_string(a.helpful_yes));
    put(r, "helpful_no", std::to_string(a.helpful_no));
    put(r, "suggestion_opens", std::to_string(a.suggestion_opens));
    append(rows, std::move(r));
  }
  Data data = base_data(**me, "articles");
  put(data, "articles", std::move(rows));
  put(data, "has_articles", !articles->empty());
  if ((*me)->is_admin()) {
    auto agents = app::agents_may_edit_articles(ctx.services().db);
    if (!agents) return std::unexpected(agents.error());
    put(data, "agents_may_edit", *agents);
  }
  add_notice(ctx, data);
  return ctx.page("article_admin_list", std::move(data), "Help Center articles");
}

Result<http::Response> settings_submit(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  bool allowed = (*form)->get("agents_may_edit") == "1";
  if (auto saved = app::set_agents_may_edit_articles(ctx.services().env, **me, allowed); !saved) {
    return std::unexpected(saved.error());
  }
  return http::Response::redirect("/admin/help/articles?done=settings-saved");
}

// The editor form for `input`; `id` is 0 for a new article.
Result<Data> editor_data(Context& ctx, const SessionUser& me, std::int64_t id,
                         const app::ArticleInput& input) {
  auto categories = app::list_all_categories(ctx.services().env, me);
  if (!categories) return std::unexpected(categories.error());
  Data data = base_data(me, "articles");
  put(data, "is_new", id == 0);
  put(data, "action",
      id == 0 ? std::string("/admin/help/articles/new")
              : fmt::format("/admin/help/articles/{}", id));
  put(data, "title", input.title);
  put(data, "slug", input.slug);
  put(data, "body", input.body);
  put(data, "preview_html", markdown::to_html(input.body));
  put(data, "visibility_customers", input.visibility == app::kVisibilityCustomers);
  put(data, "published", input.published);
  Data options{Data::type::list};
  for (const auto& c : *categories) {
    Data o;
    put(o, "id", std::to_string(c.id));
    put(o, "name", c.name);
    put(o, "selected", c.id == input.category_id);
    append(options, std::move(o));
  }
  put(data, "categories", std::move(options));
  put(data, "has_categories", !categories->empty());
  put(data, "max_title", std::to_string(app::kMaxArticleTitle));
  put(data, "max_slug", std::to_string(app::kMaxSlug));
  return data;
}

app::ArticleInput input_from(const http::Form& form) {
  app::ArticleInput input;
  input.title = form.get("title");
  input.slug = form.get("slug");
  input.category_id = parse_id(form.get("category")).value_or(0);
  input.body = form.get("body");
  input.published = form.get("state") == "published";
  input.visibility = form.get("visibility");
  return input;
}

// Adds what the editor shows about a saved article: counts, links and revisions.
Result<void> add_saved_article(Context& ctx, const SessionUser& me, Data& data,
                               const app::EditableArticle& article) {
  auto revisions = app::list_revisions(ctx.services().env, me, article.id);
  if (!revisions) return std::unexpected(revisions.error());
  Data list{Data::type::list};
  for (const auto& r : *revisions) {
    Data d;
    put(d, "href", fmt::format("/admin/help/articles/{}/revisions/{}", article.id, r.id));
    put(d, "when", when(r.created_at, me));
    put(d, "author", r.author_name.empty() ? std::string("someone no longer here") : r.author_name);
    put(d, "title", r.title);
    append(list, std::move(d));
  }
  put(data, "revisions", std::move(list));
  put(data, "has_revisions", !revisions->empty());
  put(data, "view_href", fmt::format("/articles/{}", article.input.slug));
  put(data, "saved_published", article.input.published);
  put(data, "created", when(article.created_at, me));
  put(data, "updated", when(article.updated_at, me));
  put(data, "author", article.author_name);
  put(data, "views", std::to_string(article.views));
  put(data, "helpful_yes", std::to_string(article.helpful_yes));
  put(data, "helpful_no", std::to_string(article.helpful_no));
  put(data, "suggestion_opens", std::to_string(article.suggestion_opens));
  return {};
}

Result<http::Response> new_article_page(Context& ctx) {
  auto me = require_editor(ctx);
  if (!me) return std::unexpected(me.error());
  app::ArticleInput input;
  input.visibility = std::string(app::kVisibilityEveryone);
  auto q = ctx.query();
  if (q) input.category_id = parse_id((*q)->get("category")).value_or(0);
  auto data = editor_data(ctx, **me, 0, input);
  if (!data) return std::unexpected(data.error());
  return ctx.page("article_admin_edit", std::move(*data), "New article");
}

Result<http::Response> new_article_submit(Context& ctx) {
  auto me = require_editor(ctx);
  if (!me) return std::unexpected(me.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  auto input = input_from(**form);
  bool previewing = (*form)->get("action") == "preview";
  std::optional<Error> error;
  if (!previewing) {
    auto id = app::create_article(ctx.services().env, **me, input);
    if (id)
      return http::Response::redirect(fmt::format("/admin/help/articles/{}?done=created", *id));
    if (!is_form_error(id.error())) return std::unexpected(id.error());
    error = id.error();
  }
  auto data = editor_data(ctx, **me, 0, input);
  if (!data) return std::unexpected(data.error());
  if (error) add_form_error(*data, *error);
  data->set("previewing", previewing);
  return ctx.page("article_admin_edit", std::move(*data), "New article",
                  error ? status_for(error->code) : 200);
}

Result<http::Response> edit_article_page(Context& ctx) {
  auto me = require_editor(ctx);
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto& env = ctx.services().env;
  auto article = app::get_article(env, **me, *id);
  if (!article) return std::unexpected(article.error());
  app::ArticleInput input = article->input;
  // ?revision=N loads an earlier title and text into the form (saved only when the editor saves).
  std::optional<app::Revision> loaded;
  if (auto q = ctx.query(); q && (*q)->has("revision")) {
    auto revision_id = parse_id((*q)->get("revision"));
    if (!revision_id) return fail(ErrorCode::kNotFound, "There is no such revision.");
    auto revision = app::get_revision(env, **me, *id, *revision_id);
    if (!revision) return std::unexpected(revision.error());
    input.title = revision->title;
    input.body = revision->body;
    loaded = std::move(*revision);
  }
  auto data = editor_data(ctx, **me, *id, input);
  if (!data) return std::unexpected(data.error());
  if (auto added = add_saved_article(ctx, **me, *data, *article); !added) {
    return std::unexpected(added.error());
  }
  if (loaded) {
    data->set("notice", fmt::format("The title and text of the revision of {} by {} are loaded. "
                                    "Save to make them the current version.",
                                    when(loaded->created_at, **me), loaded->author_name));
  } else {
    add_notice(ctx, *data);
  }
  return ctx.page("article_admin_edit", std::move(*data),
                  fmt::format("Edit: {}", article->input.title));
}

Result<http::Response> edit_article_submit(Context& ctx) {
  auto me = require_editor(ctx);
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  auto& env = ctx.services().env;
  auto input = input_from(**form);
  bool previewing = (*form)->get("action") == "preview";
  std::optional<Error> error;
  if (!previewing) {
    auto saved = app::update_article(env, **me, *id, input);
    if (saved)
      return http::Response::redirect(fmt::format("/admin/help/articles/{}?done=saved", *id));
    if (!is_form_error(saved.error())) return std::unexpected(saved.error());
    error = saved.error();
  }
  auto article = app::get_article(env, **me, *id);
  if (!article) return std::unexpected(article.error());
  auto data = editor_data(ctx, **me, *id, input);
  if (!data) return std::unexpected(data.error());
  if (auto added = add_saved_article(ctx, **me, *data, *article); !added) {
    return std::unexpected(added.error());
  }
  if (error) add_form_error(*data, *error);
  data->set("previewing", previewing);
  return ctx.page("article_admin_edit", std::move(*data),
                  fmt::format("Edit: {}", article->input.title),
                  error ? status_for(error->code) : 200);
}

// htmx: the editor's live preview. Renders exactly as the article page will (safe Markdown).
Result<http::Response> preview(Context& ctx) {
  auto me = require_editor(ctx);
  if (!me) return std::unexpected(me.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  Data data;
  put(data, "html", markdown::to_html((*form)->get("body")));
  return http::Response::html(ctx.fragment("article_admin_preview", data));
}

Result<http::Response> revision_page(Context& ctx) {
  auto me = require_editor(ctx);
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto revision_id = id_param(ctx, "revision");
  if (!revision_id) return std::unexpected(revision_id.error());
  auto revision = app::get_revision(ctx.services().env, **me, *id, *revision_id);
  if (!revision) return std::unexpected(revision.error());
  Data data = base_data(**me, "articles");
  put(data, "title", revision->title);
  put(data, "body", revision->body);
  put(data, "body_html", markdown::to_html(revision->body));
  put(data, "when", when(revision->created_at, **me));
  put(data, "author", revision->author_name);
  put(data, "editor_href", fmt::format("/admin/help/articles/{}", *id));
  put(data, "load_href", fmt::format("/admin/help/articles/{}?revision={}", *id, revision->id));
  return ctx.page("article_admin_revision", std::move(data),
                  fmt::format("Revision: {}", revision->title));
}

// ---- Categories ---------------------------------------------------------------------------------

// A failed category form, shown again: the error, and what was typed into the create form.
struct CategoryFormError {
  Error error;
  std::string name, slug, description;  // the create form's fields ("" for an edit)
};

Result<http::Response> categories_page_with(Context& ctx, const SessionUser& me,
                                            const std::optional<CategoryFormError>& failed) {
  auto categories = app::list_all_categories(ctx.services().env, me);
  if (!categories) return std::unexpected(categories.error());
  Data rows{Data::type::list};
  for (const auto& c : *categories) {
    Data r;
    put(r, "id", std::to_string(c.id));
    put(r, "slug", c.slug);
    put(r, "name", c.name);
    put(r, "description", c.description);
    put(r, "position", std::to_string(c.position));
    put(r, "articles", std::to_string(c.articles));
    put(r, "published", std::to_string(c.published));
    append(rows, std::move(r));
  }
  Data data = base_data(me, "categories");
  put(data, "categories", std::move(rows));
  put(data, "has_categories", !categories->empty());
  int status = 200;
  if (failed) {
    add_form_error(data, failed->error);
    put(data, "new_name", failed->name);
    put(data, "new_slug", failed->slug);
    put(data, "new_description", failed->description);
    status = status_for(failed->error.code);
  }
  add_notice(ctx, data);
  return ctx.page("article_admin_categories", std::move(data), "Help Center categories", status);
}

Result<http::Response> categories_page(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  return categories_page_with(ctx, **me, std::nullopt);
}

Result<http::Response> category_create(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  const auto& f = **form;
  auto id = app::create_category(ctx.services().env, **me, f.get("name"), f.get("slug"),
                                 f.get("description"));
  if (id) return http::Response::redirect("/admin/help/categories?done=category-created");
  if (!is_form_error(id.error())) return std::unexpected(id.error());
  return categories_page_with(
      ctx, **me, CategoryFormError{id.error(), f.get("name"), f.get("slug"), f.get("description")});
}

Result<http::Response> category_update(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  const auto& f = **form;
  std::string position_text = f.get("position");
  std::int64_t position = -1;
  auto [end, ec] =
      std::from_chars(position_text.data(), position_text.data() + position_text.size(), position);
  if (ec != std::errc{} || end != position_text.data() + position_text.size()) position = -1;
  auto saved = app::update_category(ctx.services().env, **me, *id, f.get("name"),
                                    f.get("description"), position);
  if (saved) return http::Response::redirect("/admin/help/categories?done=category-saved");
  if (!is_form_error(saved.error())) return std::unexpected(saved.error());
  // The edit forms are one per category: the error shows at the top, naming the field.
  return categories_page_with(ctx, **me, CategoryFormError{saved.error(), "", "", ""});
}

// ---- Status definitions -------------------------------------------------------------------------

// A failed status definition form, shown again beside its status.
struct DefinitionFormError {
  domain::Status status;
  std::string definition;
  Error error;
};

Result<http::Response> statuses_page_with(Context& ctx, const SessionUser& me,
                                          const std::optional<DefinitionFormError>& failed) {
  auto definitions = app::status_definitions(ctx.services().db);
  if (!definitions) return std::unexpected(definitions.error());
  Data rows{Data::type::list};
  for (const auto& d : *definitions) {
    Data r = status_data(d.status);
    std::string code = std::to_string(domain::to_code(d.status));
    put(r, "code", code);
    put(r, "builtin", std::string(domain::status_definition(d.status)));
    put(r, "definition", d.definition);
    put(r, "overridden", d.overridden);
    if (d.overridden) put(r, "updated", when(d.updated_at, me));
    // The status whose form failed shows what was typed and the error beside it.
    if (failed && failed->status == d.status) {
      put(r, "definition", failed->definition);
      put(r, "error", failed->error.message);
    }
    append(rows, std::move(r));
  }
  Data data = base_data(me, "statuses");
  put(data, "statuses", std::move(rows));
  add_notice(ctx, data);
  return ctx.page("article_admin_statuses", std::move(data), "Status definitions",
                  failed ? status_for(failed->error.code) : 200);
}

Result<http::Response> statuses_page(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  return statuses_page_with(ctx, **me, std::nullopt);
}

Result<http::Response> status_submit(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  std::optional<domain::Status> status;
  if (auto code = parse_id(ctx.param("code")); code && *code <= 255) {
    status = domain::status_from_code(static_cast<int>(*code));
  }
  if (!status) return fail(ErrorCode::kNotFound, "There is no such status.");
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  std::string definition = (*form)->get("action") == "restore" ? "" : (*form)->get("definition");
  auto saved = app::save_status_definition(ctx.services().env, **me, *status, definition);
  if (saved) {
    return http::Response::redirect(
        fmt::format("/admin/help/statuses?done=definition-saved#{}", domain::status_slug(*status)));
  }
  if (!is_form_error(saved.error())) return std::unexpected(saved.error());
  return statuses_page_with(ctx, **me, DefinitionFormError{*status, definition, saved.error()});
}

// ---- Deflection ---------------------------------------------------------------------------------

std::string percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "–";
  return fmt::format("{}%", (part * 100 + whole / 2) / whole);
}

Result<http::Response> deflection_page(Context& ctx) {
  auto me = require_editor(ctx);
  if (!me) return std::unexpected(me.error());
  int days = 30;
  if (auto q = ctx.query(); q) {
    std::string text = (*q)->get("days");
    for (int period : kDeflectionPeriods) {
      if (text == std::to_string(period)) days = period;
    }
  }
  auto stats = app::deflection_stats(ctx.services().env, **me, days);
  if (!stats) return std::unexpected(stats.error());
  Data data = base_data(**me, "deflection");
  Data periods{Data::type::list};
  for (int period : kDeflectionPeriods) {
    Data p;
    put(p, "days", std::to_string(period));
    put(p, "selected", period == days);
    append(periods, std::move(p));
  }
  put(data, "periods", std::move(periods));
  put(data, "days", std::to_string(days));
  put(data, "opened", std::to_string(stats->opened));
  put(data, "decided", std::to_string(stats->decided));
  put(data, "answered", std::to_string(stats->answered));
  put(data, "rate", percent(stats->answered, stats->decided));
  put(data, "tickets", std::to_string(stats->tickets_submitted));
  Data rows{Data::type::list};
  for (const auto& a : stats->articles) {
    Data r;
    put(r, "title", a.title);
    put(r, "href", fmt::format("/admin/help/articles/{}", a.id));
    put(r, "opened", std::to_string(a.opened));
    put(r, "answered", std::to_string(a.answered));
    put(r, "rate", percent(a.answered, a.decided));
    append(rows, std::move(r));
  }
  put(data, "articles", std::move(rows));
  put(data, "has_articles", !stats->articles.empty());
  return ctx.page("article_admin_deflection", std::move(data), "Deflection");
}

}  // namespace

void install_article_admin_routes(App& app) {
  app.get("/admin/help", [](Context&) -> Result<http::Response> {
    return http::Response::redirect("/admin/help/articles", 302);
  });
  app.get("/admin/help/articles", articles_page);
  app.post("/admin/help/settings", settings_submit);
  app.get("/admin/help/articles/new", new_article_page);
  app.post("/admin/help/articles/new", new_article_submit);
  app.get("/admin/help/articles/{id}", edit_article_page);
  app.post("/admin/help/articles/{id}", edit_article_submit);
  app.get("/admin/help/articles/{id}/revisions/{revision}", revision_page);
  app.post("/admin/help/preview", preview);
  app.get("/admin/help/categories", categories_page);
  app.post("/admin/help/categories", category_create);
  app.post("/admin/help/categories/{id}", category_update);
  app.get("/admin/help/statuses", statuses_page);
  app.post("/admin/help/statuses/{code}", status_submit);
  app.get("/admin/help/deflection", deflection_page);
}

}  // namespace portico::web
