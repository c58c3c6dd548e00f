// Help Center pages: the home page, categories, articles (with "Was this helpful?" and related
// articles), search, the status definitions, and the article suggestions shown while a customer
// types the subject on the Communicate with Support form. The editor lives in
// article_admin_pages.cpp; its routes are installed from here.

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "portico/app/articles.hpp"
#include "portico/app/help_center.hpp"
#include "portico/core/markdown.hpp"
#include "portico/web/app.hpp"
#include "portico/web/view_helpers.hpp"

namespace portico::web {

// The article editor and the rest of the Help Center's admin pages (article_admin_pages.cpp).
void install_article_admin_routes(App& app);

namespace {

constexpr int kArticlesPerCategoryOnHome = 6;
constexpr int kSearchPageSize = 20;
constexpr int kSuggestions = 5;
constexpr std::size_t kMaxQueryBytes = 200;

// The browser's "Was this helpful?" answers: article ids joined by '.', newest last.
constexpr std::string_view kVotesCookie = "portico_votes";
constexpr std::size_t kVotesRemembered = 100;

bool is_htmx(const Context& ctx) { return ctx.request().header("HX-Request") == "true"; }

std::string zone_of(Context& ctx) {
  const auto* me = ctx.user();
  return me ? me->time_zone : std::string("UTC");
}

std::string cut(std::string text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  while (bytes > 0 && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) --bytes;
  text.resize(bytes);
  return text;
}

Result<std::string> query_text(Context& ctx, std::string_view name) {
  auto q = ctx.query();
  if (!q) return std::unexpected(q.error());
  return cut((*q)->get(name), kMaxQueryBytes);
}

int page_number(Context& ctx) {
  auto q = ctx.query();
  if (!q) return 1;
  std::string text = (*q)->get("page");
  int page = 1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), page);
  if (ec != std::errc{} || end != text.data() + text.size() || page < 1) return 1;
  return std::min(page, 1000);
}

// The search box every Help Center page carries (the home page has its own, larger one).
std::string search_box(Context& ctx, std::string_view q) {
  Data data;
  put(data, "q", std::string(q));
  return ctx.fragment("help_search_box", data);
}

Data summaries_data(const std::vector<app::ArticleSummary>& articles, bool with_category) {
  Data list{Data::type::list};
  for (const auto& a : articles) {
    Data d;
    put(d, "slug", a.slug);
    put(d, "title", a.title);
    if (with_category) put(d, "category", a.category_name);
    append(list, std::move(d));
  }
  return list;
}

Data hits_data(Context& ctx, const std::vector<app::SearchHit>& hits, std::string_view suffix) {
  std::string zone = zone_of(ctx);
  std::int64_t now = ctx.services().env.now();
  Data list{Data::type::list};
  for (const auto& h : hits) {
    Data d;
    put(d, "href", fmt::format("/articles/{}{}", h.slug, suffix));
    put(d, "title", h.title);
    put(d, "title_html", h.title_html);
    put(d, "snippet_html", h.snippet_html);
    put(d, "category", h.category_name);
    put(d, "updated", time_data(h.updated_at, zone, now));
    append(list, std::move(d));
  }
  return list;
}

// ---- "Was this helpful?" ------------------------------------------------------------------------

std::vector<std::string> voted_ids(Context& ctx) {
  std::vector<std::string> ids;
  auto cookie = ctx.cookie(kVotesCookie);
  if (!cookie) return ids;
  std::string_view text = *cookie;
  while (!text.empty()) {
    auto dot = text.find('.');
    std::string_view id = text.substr(0, dot);
    if (!id.empty() && id.size() <= 18 &&
        id.find_first_not_of("0123456789") == std::string_view::npos) {
      ids.emplace_back(id);
    }
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  return ids;
}

bool has_voted(Context& ctx, std::int64_t article_id) {
  auto ids = voted_ids(ctx);
  return std::find(ids.begin(), ids.end(), std::to_string(article_id)) != ids.end();
}

std::string feedback_html(Context& ctx, const app::Article& article, bool voted, bool just_voted) {
  Data data;
  put(data, "slug", article.slug);
  put(data, "csrf_token", ctx.csrf_token());
  put(data, "voted", voted);
  put(data, "just_voted", just_voted);
  return ctx.fragment("article_feedback", data);
}

// ---- Pages --------------------------------------------------------------------------------------

Result<http::Response> home(Context& ctx) {
  auto audience = app::audience_of(ctx.user());
  auto& db = ctx.services().db;
  auto categories = app::list_categories(db, audience, kArticlesPerCategoryOnHome);
  if (!categories) return std::unexpected(categories.error());
  auto popular = app::popular_articles(db, audience, 5);
  if (!popular) return std::unexpected(popular.error());
  auto recent = app::recent_articles(db, audience, 5);
  if (!recent) return std::unexpected(recent.error());

  Data list{Data::type::list};
  for (const auto& category : *categories) {
    Data item;
    put(item, "name", category.name);
    put(item, "slug", category.slug);
    put(item, "description", category.description);
    put(item, "articles", summaries_data(category.articles, false));
    if (category.total > static_cast<std::int64_t>(category.articles.size())) {
      put(item, "more_label", fmt::format("All {} articles", category.total));
    }
    append(list, std::move(item));
  }
  Data data;
  put(data, "categories", std::move(list));
  put(data, "has_categories", !categories->empty());
  put(data, "popular", summaries_data(*popular, true));
  put(data, "has_popular", !popular->empty());
  put(data, "recent", summaries_data(*recent, true));
  put(data, "has_recent", !recent->empty());
  if (const auto* me = ctx.user()) {
    auto may = app::may_edit_articles(db, *me);
    if (!may) return std::unexpected(may.error());
    put(data, "can_manage", *may);
  }
  return ctx.page("home", std::move(data), "Help Center");
}

Result<http::Response> category_page(Context& ctx) {
  auto audience = app::audience_of(ctx.user());
  auto category = app::find_category(ctx.services().db, std::string(ctx.param("slug")), audience);
  if (!category) return std::unexpected(category.error());
  Data data;
  put(data, "name", category->name);
  put(data, "description", category->description);
  put(data, "articles", summaries_data(category->articles, false));
  put(data, "has_articles", !category->articles.empty());
  put(data, "search_box_html", search_box(ctx, ""));
  return ctx.page("help_category", std::move(data), category->name);
}

Result<http::Response> article_page(Context& ctx) {
  const auto* me = ctx.user();
  auto audience = app::audience_of(me);
  auto& db = ctx.services().db;
  auto& env = ctx.services().env;
  auto found = app::find_article(db, std::string(ctx.param("slug")), audience);
  if (!found) {
    // Said to every logged-out visitor of a missing article alike, so it reveals nothing.
    if (found.error().code == ErrorCode::kNotFound && audience == app::Audience::kPublic) {
      return fail(ErrorCode::kNotFound,
                  "There is no such article. If someone sent you this link, log in and try "
                  "again: some articles are for logged-in customers only.");
    }
    return std::unexpected(found.error());
  }
  auto q = ctx.query();
  if (!q) return std::unexpected(q.error());
  bool from_suggestion = (*q)->get("from") == "suggest";

  // Readers' numbers only: staff reading or previewing do not count.
  if (audience != app::Audience::kStaff && found->is_published) {
    app::record_view(env, found->id);
    if (from_suggestion) {
      std::optional<std::int64_t> user_id;
      if (me) user_id = me->id;
      // Counting is best effort: a busy database must not fail the article being read.
      if (auto recorded = app::record_suggestion_open(env, found->id, user_id); !recorded) {
        spdlog::warn("suggestion opening not recorded: {}", recorded.error().message);
      }
    }
  }
  auto related = app::related_articles(db, *found, audience, 5);
  if (!related) return std::unexpected(related.error());

  Data data;
  put(data, "title", found->title);
  put(data, "slug", found->slug);
  put(data, "body_html", markdown::to_html(found->body));
  put(data, "category_name", found->category_name);
  put(data, "category_slug", found->category_slug);
  put(data, "updated", time_data(found->updated_at, zone_of(ctx), env.now()));
  put(data, "is_draft", !found->is_published);
  put(data, "customers_only", found->visibility == app::kVisibilityCustomers);
  put(data, "from_suggestion", from_suggestion);
  put(data, "related", summaries_data(*related, false));
  put(data, "has_related", !related->empty());
  put(data, "search_box_html", search_box(ctx, ""));
  if (found->is_published) {
    bool voted = has_voted(ctx, found->id) || (*q)->get("voted") == "1";
    put(data, "feedback_html", feedback_html(ctx, *found, voted, (*q)->get("voted") == "1"));
  }
  if (me) {
    auto may = app::may_edit_articles(db, *me);
    if (!may) return std::unexpected(may.error());
    if (*may) put(data, "edit_href", fmt::format("/admin/help/articles/{}", found->id));
    put(data, "is_staff", me->is_staff());
  }
  return ctx.page("article", std::move(data), found->title);
}

Result<http::Response> feedback_submit(Context& ctx) {
  auto audience = app::audience_of(ctx.user());
  auto found = app::find_article(ctx.services().db, std::string(ctx.param("slug")), audience);
  if (!found) return std::unexpected(found.error());
  if (!found->is_published) return fail(ErrorCode::kNotFound, "There is no such article.");
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  std::string answer = (*form)->get("helpful");
  if (answer != "yes" && answer != "no") {
    return fail(ErrorCode::kInvalidArgument, "Answer yes or no.");
  }
  auto ids = voted_ids(ctx);
  std::string id = std::to_string(found->id);
  bool counted_before = std::find(ids.begin(), ids.end(), id) != ids.end();
  if (!counted_before) {
    auto vote = answer == "yes" ? app::Vote::kYes : app::Vote::kNo;
    if (auto recorded = app::record_vote(ctx.services().env, found->id, vote); !recorded) {
      return std::unexpected(recorded.error());
    }
    ids.push_back(id);
  }
  if (ids.size() > kVotesRemembered) {
    ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(kVotesRemembered));
  }
  std::string cookie;
  for (const auto& v : ids) cookie += (cookie.empty() ? "" : ".") + v;

  http::Response response =
      is_htmx(ctx)
          ? http::Response::html(feedback_html(ctx, *found, true, true))
          : http::Response::redirect(fmt::format("/articles/{}?voted=1#feedback", found->slug));
  http::CookieOptions options;
  options.secure = ctx.services().config.base_url.starts_with("https://");
  options.max_age = 365 * 86'400;
  http::set_cookie(response, kVotesCookie, cookie, options);
  return response;
}

Result<http::Response> search_page(Context& ctx) {
  auto q = query_text(ctx, "q");
  if (!q) return std::unexpected(q.error());
  int page = page_number(ctx);
  auto audience = app::audience_of(ctx.user());
  auto results = app::search_articles(ctx.services().db, *q, audience, page, kSearchPageSize);
  if (!results) return std::unexpected(results.error());

  Data data;
  bool searching = q->find_first_not_of(" \t\r\n") != std::string::npos;
  put(data, "q", *q);
  put(data, "searching", searching);
  put(data, "hits", hits_data(ctx, results->hits, ""));
  put(data, "has_hits", !results->hits.empty());
  put(data, "any_word", results->any_word);
  std::size_t shown = results->hits.size();
  std::size_t first = static_cast<std::size_t>(page - 1) * kSearchPageSize + 1;
  if (shown > 0) {
    put(data, "count_label",
        page == 1 && !results->has_more ? fmt::format("{} article{}", shown, shown == 1 ? "" : "s")
                                        : fmt::format("Articles {}–{}", first, first + shown - 1));
  }
  std::string base = "/search?q=" + http::percent_encode(*q);
  if (page > 1)
    put(data, "prev_href", page == 2 ? base : fmt::format("{}&page={}", base, page - 1));
  if (results->has_more) put(data, "next_href", fmt::format("{}&page={}", base, page + 1));
  std::string results_html = ctx.fragment("help_search_results", data);
  if (is_htmx(ctx)) {
    auto r = http::Response::html(results_html);
    r.headers.set("Vary", "HX-Request");
    return r;
  }
  put(data, "results_html", results_html);
  auto r = ctx.page("help_search", std::move(data),
                    searching ? fmt::format("Search: {}", *q) : std::string("Search"));
  r.headers.set("Vary", "HX-Request");
  return r;
}

Result<http::Response> suggest(Context& ctx) {
  auto subject = query_text(ctx, "subject");
  if (!subject) return std::unexpected(subject.error());
  auto audience = app::audience_of(ctx.user());
  auto hits = app::suggest_articles(ctx.services().db, *subject, audience, kSuggestions);
  if (!hits) return std::unexpected(hits.error());
  Data data;
  put(data, "subject", *subject);
  put(data, "hits", hits_data(ctx, *hits, "?from=suggest"));
  put(data, "has_hits", !hits->empty());
  put(data, "continue_href", "/tickets/new?subject=" + http::percent_encode(*subject));
  put(data, "asked", subject->find_first_not_of(" \t\r\n") != std::string::npos);
  put(data, "logged_in", ctx.user() != nullptr);
  // On the ticket form, an article opens in a new tab so that what was typed stays.
  put(data, "new_tab", is_htmx(ctx));
  // htmx (the ticket form, as the subject is typed): just the list, or nothing.
  if (is_htmx(ctx)) {
    auto r = http::Response::html(hits->empty() ? std::string()
                                                : ctx.fragment("help_suggestions", data));
    r.headers.set("Vary", "HX-Request");
    return r;
  }
  // Without JavaScript: a first step. Describe the problem, read the suggestions, continue to
  // the form with the subject filled in.
  put(data, "suggestions_html", ctx.fragment("help_suggestions", data));
  auto r = ctx.page("help_suggest", std::move(data), "Communicate with Support");
  r.headers.set("Vary", "HX-Request");
  return r;
}

Result<http::Response> statuses_page(Context& ctx) {
  auto definitions = app::status_definitions(ctx.services().db);
  if (!definitions) return std::unexpected(definitions.error());
  Data list{Data::type::list};
  for (const auto& d : *definitions) {
    Data item = status_data(d.status);
    put(item, "definition", d.definition);
    put(item, "code", std::to_string(domain::to_code(d.status)));
    append(list, std::move(item));
  }
  Data data;
  put(data, "statuses", std::move(list));
  put(data, "search_box_html", search_box(ctx, ""));
  if (const auto* me = ctx.user()) put(data, "can_edit", me->is_admin());
  return ctx.page("help_statuses", std::move(data), "What each ticket status means");
}

}  // namespace

void install_help_center_routes(App& app) {
  app.get("/", home);
  app.get("/search", search_page);
  app.get("/articles/{slug}", article_page);
  app.post("/articles/{slug}/feedback", feedback_submit);
  app.get("/help/categories/{slug}", category_page);
  app.get("/help/statuses", statuses_page);
  app.get("/help/suggest", suggest);
  install_article_admin_routes(app);
}

}  // namespace portico::web
