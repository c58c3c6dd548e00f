// The Ticket Portal: "View all your tickets", Communicate with Support (new ticket), the ticket
// page (thread, reply, information, timeline, CCs), closing, confirming a fix, attachments.

#include <charconv>

#include <fmt/format.h>

#include "portico/app/tickets.hpp"
#include "portico/core/markdown.hpp"
#include "portico/core/time.hpp"
#include "portico/web/app.hpp"
#include "portico/web/form_errors.hpp"
#include "portico/web/view_helpers.hpp"

namespace portico::web {

namespace {

Result<std::int64_t> id_param(Context& ctx, std::string_view name) {
  std::string_view text = ctx.param(name);
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
    return fail(ErrorCode::kNotFound, "There is no such ticket.");
  }
  return id;
}

std::vector<app::Upload> uploads_of(const http::Form& form, std::string_view field) {
  std::vector<app::Upload> out;
  for (const auto& f : form.files()) {
    if (f.field != field) continue;
    out.push_back({f.filename, f.content_type, f.bytes});
  }
  return out;
}

std::vector<std::int64_t> kept_ids(const http::Form& form) {
  std::vector<std::int64_t> ids;
  for (const auto& v : form.get_all("kept_upload")) {
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
    if (ec == std::errc{} && end == v.data() + v.size() && id > 0) ids.push_back(id);
  }
  return ids;
}

Data kept_data(const std::vector<app::StashedUpload>& kept) {
  Data list{Data::type::list};
  for (const auto& k : kept) {
    Data d;
    put(d, "id", std::to_string(k.id));
    put(d, "filename", k.filename);
    put(d, "size", human_size(k.size));
    append(list, std::move(d));
  }
  return list;
}

// ---- The list ----------------------------------------------------------------------------

struct ListParams {
  app::TicketQuery query;
  std::string sort_slug;
};

Result<ListParams> parse_list_params(const http::Form& q, bool staff) {
  ListParams p;
  p.query.with_names = false;  // the portal's columns: ID, subject, created, last activity, status
  if (auto view = q.find("view"); view && !view->empty()) {
    auto parsed = domain::ticket_view_from_slug(*view);
    if (!parsed)
      return fail(ErrorCode::kInvalidArgument, "Unknown view: choose mine or organization.");
    p.query.view = *parsed;
  }
  if (auto status = q.find("status"); status && !status->empty()) {
    auto parsed = app::status_filter_from_slug(*status);
    if (!parsed) {
      return fail(
          ErrorCode::kInvalidArgument,
          "Unknown status filter: choose all, pending-support, pending-me, open or closed.");
    }
    p.query.filter = *parsed;
  }
  if (auto sort = q.find("sort"); sort && !sort->empty()) {
    auto parsed = app::sort_column_from_slug(*sort);
    if (!parsed) {
      return fail(ErrorCode::kInvalidArgument,
                  "Unknown sort: choose id, subject, created, activity or status.");
    }
    p.query.sort = *parsed;
  }
  if (auto dir = q.find("dir"); dir && !dir->empty()) {
    if (*dir != "asc" && *dir != "desc") {
      return fail(ErrorCode::kInvalidArgument, "Unknown sort direction: choose asc or desc.");
    }
    p.query.descending = *dir == "desc";
  }
  if (auto paging = parse_paging(q, p.query); !paging) return std::unexpected(paging.error());
  p.query.search = q.get("q");
  if (p.query.search.size() > 200) p.query.search.resize(200);
  (void)staff;
  return p;
}

std::string list_url(const app::TicketQuery& q, std::string_view base, int page,
                     std::optional<app::SortColumn> sort = std::nullopt,
                     std::optional<bool> descending = std::nullopt) {
  std::string url =
      fmt::format("{}?view={}&status={}&sort={}&dir={}", base, domain::ticket_view_slug(q.view),
                  app::status_filter_slug(q.filter), app::sort_column_slug(sort.value_or(q.sort)),
                  descending.value_or(q.descending) ? "desc" : "asc");
  if (!q.search.empty()) url += "&q=" + http::percent_encode(q.search);
  if (page > 1) url += fmt::format("&page={}", page);
  return url;
}

Data list_data(Context& ctx, const app::SessionUser& me, const app::TicketQuery& query,
               const app::TicketList& list, std::string_view base) {
  std::int64_t now = ctx.services().env.now();
  // A row holds what ticket_results shows, no more: each value is a node for kainjow to build,
  // look up and free, 25 times a page.
  auto definitions = status_definitions();
  Data rows{Data::type::list};
  for (const auto& item : list.items) {
    Data r;
    put(r, "id", std::to_string(item.id));
    put(r, "subject", item.subject);
    if (!item.subject_html.empty()) put(r, "subject_html", item.subject_html);
    if (!item.snippet_html.empty()) put(r, "snippet_html", item.snippet_html);
    put(r, "created", time_data(item.created_at, me.time_zone, now));
    put(r, "activity", time_data(item.last_activity_at, me.time_zone, now));
    put(r, "status", status_badge(item.status, definitions));
    put(r, "href", fmt::format("{}/{}", base, item.id));
    append(rows, std::move(r));
  }
  Data data;
  put(data, "rows", std::move(rows));
  put(data, "has_rows", !list.items.empty());
  put(data, "total", std::to_string(list.total));
  put(data, "total_label",
      fmt::format("{}{} ticket{}", list.total, list.more ? "+" : "",
                  list.total == 1 && !list.more ? "" : "s"));
  // A search lists its newest matches only (app::list_tickets): say so.
  put(data, "more", list.more);
  put(data, "search", query.search);
  put(data, "searching", !query.search.empty());

  Data views{Data::type::list};
  for (auto v : {domain::TicketView::kMine, domain::TicketView::kOrganization}) {
    Data d;
    put(d, "slug", std::string(domain::ticket_view_slug(v)));
    put(d, "label",
        v == domain::TicketView::kMine ? std::string("Created by me or CC'd")
                                       : std::string("My organization"));
    put(d, "selected", v == query.view);
    append(views, std::move(d));
  }
  put(data, "views", std::move(views));
  Data filters{Data::type::list};
  for (auto [filter, count] : list.counts) {
    Data d;
    put(d, "slug", std::string(app::status_filter_slug(filter)));
    put(d, "label", std::string(app::status_filter_label(filter)));
    put(d, "count", std::to_string(count));
    put(d, "selected", filter == query.filter);
    append(filters, std::move(d));
  }
  put(data, "filters", std::move(filters));
  Data columns{Data::type::list};
  for (auto [col, label] : {std::pair{app::SortColumn::kId, "Ticket ID"},
                            std::pair{app::SortColumn::kSubject, "Subject"},
                            std::pair{app::SortColumn::kCreated, "Created"},
                            std::pair{app::SortColumn::kLastActivity, "Last Activity"},
                            std::pair{app::SortColumn::kStatus, "Status"}}) {
    Data d;
    bool active = col == query.sort;
    bool next_desc = active ? !query.descending : col != app::SortColumn::kSubject;
    put(d, "label", std::string(label));
    put(d, "href", list_url(query, base, 1, col, next_desc));
    put(d, "aria_sort", active ? (query.descending ? "descending" : "ascending") : "none");
    put(d, "arrow", active ? (query.descending ? "▼" : "▲") : "");
    append(columns, std::move(d));
  }
  put(data, "columns", std::move(columns));
  put(data, "sort", std::string(app::sort_column_slug(query.sort)));
  put(data, "dir", query.descending ? "desc" : "asc");
  put(data, "page", std::to_string(list.page));
  put(data, "pages", std::to_string(list.pages));
  put(data, "has_pages", list.pages > 1);
  // Next and Previous carry the cursor of the page they lead to (keyset pagination); page 1
  // and search results are reached by number.
  if (list.page > 1) {
    std::string prev = list_url(query, base, list.page - 1);
    if (list.page > 2 && list.prev_before) prev += fmt::format("&before={}", *list.prev_before);
    put(data, "prev_href", prev);
  }
  if (list.page < list.pages) {
    std::string next = list_url(query, base, list.page + 1);
    if (list.next_after) next += fmt::format("&after={}", *list.next_after);
    put(data, "next_href", next);
  }
  put(data, "is_customer", !me.is_staff());
  put(data, "has_organization", me.organization_id.has_value());
  return data;
}

Result<http::Response> ticket_list(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto q = ctx.query();
  if (!q) return std::unexpected(q.error());
  auto params = parse_list_params(**q, (*me)->is_staff());
  if (!params) return std::unexpected(params.error());
  auto list = app::list_tickets(ctx.services().env, (*me)->actor(), params->query);
  if (!list) return std::unexpected(list.error());
  Data data = list_data(ctx, **me, params->query, *list, "/tickets");
  std::string results = ctx.fragment("ticket_results", data);
  // htmx asks for the results only (the table updates as the person types or filters).
  if (ctx.request().header("HX-Request") == "true") {
    auto r = http::Response::html(results);
    r.headers.set("Vary", "HX-Request");
    return r;
  }
  put(data, "results_html", std::move(results));
  auto r = ctx.page("ticket_list", std::move(data), "Your tickets");
  r.headers.set("Vary", "HX-Request");
  return r;
}

// ---- New ticket --------------------------------------------------------------------------

Data new_ticket_data(Context& ctx, const app::SessionUser& me) {
  Data data;
  Data types{Data::type::list};
  for (auto t : domain::all_ticket_types()) {
    Data d;
    put(d, "slug", std::string(domain::ticket_type_slug(t)));
    put(d, "label", std::string(domain::ticket_type_label(t)));
    append(types, std::move(d));
  }
  put(data, "types", std::move(types));
  Data colleagues{Data::type::list};
  if (auto people = app::list_colleagues(ctx.services().env, me)) {
    for (const auto& p : *people) {
      Data d;
      put(d, "name", p.name);
      put(d, "email", p.email);
      append(colleagues, std::move(d));
    }
  }
  put(data, "colleagues", std::move(colleagues));
  put(data, "max_files", std::to_string(app::kMaxAttachments));
  put(data, "max_mib", std::to_string(app::kMaxAttachmentBytes / (1024 * 1024)));
  return data;
}

Result<http::Response> new_ticket_form(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  Data data = new_ticket_data(ctx, **me);
  auto q = ctx.query();
  if (q) put(data, "subject", (*q)->get("subject"));
  put(data, "type_problem", true);
  if ((*me)->is_staff()) {
    put(data, "staff_notice", true);
  }
  return ctx.page("ticket_new", std::move(data), "Communicate with Support");
}

Result<http::Response> new_ticket_submit(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  const auto& f = **form;
  auto& env = ctx.services().env;
  auto fresh = uploads_of(f, "attachments");
  auto kept = kept_ids(f);
  // Validate the whole message before touching the stash, so nothing is lost on a mistake.
  app::NewTicket input{f.get("type"), f.get("subject"), f.get("description"), {}, {}};
  for (const auto& cc : f.get_all("cc")) {
    std::size_t start = 0;
    while (start <= cc.size()) {
      auto comma = cc.find_first_of(",;\n", start);
      if (comma == std::string::npos) comma = cc.size();
      input.ccs.push_back(cc.substr(start, comma - start));
      start = comma + 1;
    }
  }
  auto stashed = app::take_stashed_uploads(env, **me, kept);
  if (!stashed) return std::unexpected(stashed.error());
  input.attachments = std::move(*stashed);
  for (auto& u : fresh) input.attachments.push_back(std::move(u));
  auto id = app::submit_ticket(env, **me, input);
  if (id) return http::Response::redirect(fmt::format("/tickets/{}?created=1", *id));
  if (!is_form_error(id.error())) return std::unexpected(id.error());
  // Keep every file (old and new) for the next try, and say what to fix.
  auto kept_again = app::stash_uploads(env, **me, input.attachments);
  if (!kept_again) return std::unexpected(kept_again.error());
  Data data = new_ticket_data(ctx, **me);
  put(data, "subject", input.subject);
  put(data, "description", input.description);
  put(data, "cc", f.get("cc"));
  put(data, "type_" + input.type, true);
  put(data, "kept", kept_data(*kept_again));
  put(data, "has_kept", !kept_again->empty());
  add_form_error(data, id.error());
  return ctx.page("ticket_new", std::move(data), "Communicate with Support",
                  status_for(id.error().code) == 409 ? 409 : 400);
}

// ---- The ticket page ---------------------------------------------------------------------

Data ticket_data(Context& ctx, const app::SessionUser& me, const app::TicketDetail& t) {
  std::int64_t now = ctx.services().env.now();
  auto actor = me.actor();
  auto definitions = status_definitions();  // read once for the status and the timeline
  Data data;
  put(data, "id", std::to_string(t.id));
  put(data, "subject", t.subject);
  put(data, "type", std::string(domain::ticket_type_label(t.type)));
  put(data, "status", status_data(t.status, definitions));
  put(data, "created", time_data(t.created_at, me.time_zone, now));
  put(data, "activity", time_data(t.last_activity_at, me.time_zone, now));
  put(data, "requester", t.requester.name);
  put(data, "requester_email", t.requester.email);
  put(data, "organization", t.organization_name);
  if (t.assignee) put(data, "assignee", t.assignee->name);
  if (t.fix_version) put(data, "fix_version", *t.fix_version);
  if (t.deployment_schedule) put(data, "deployment_schedule", *t.deployment_schedule);
  if (t.fix_given) put(data, "fix_given", std::string(domain::fix_given_label(*t.fix_given)));
  if (t.resolution) put(data, "resolution", std::string(domain::resolution_label(*t.resolution)));
  if (t.closed_at) put(data, "closed", time_data(*t.closed_at, me.time_zone, now));
  if (t.linked_ticket_id) put(data, "linked_ticket", std::to_string(*t.linked_ticket_id));
  Data ccs{Data::type::list};
  for (const auto& cc : t.ccs) {
    Data d;
    put(d, "id", std::to_string(cc.id));
    put(d, "name", cc.name);
    put(d, "email", cc.email);
    put(d, "remove_href", fmt::format("/tickets/{}/cc/{}/remove", t.id, cc.id));
    append(ccs, std::move(d));
  }
  put(data, "ccs", ccs);
  put(data, "has_ccs", !t.ccs.empty());
  put_thread(data, t, fmt::format("/tickets/{}", t.id), me.time_zone, now);
  Data timeline{Data::type::list};
  for (const auto& p : t.timeline) {
    Data d;
    put(d, "status", status_data(p.status, definitions));
    put(d, "entered", time_data(p.entered_at, me.time_zone, now));
    put(d, "duration", time::duration(p.left_at.value_or(now) - p.entered_at));
    put(d, "current", !p.left_at.has_value());
    append(timeline, std::move(d));
  }
  put(data, "timeline", std::move(timeline));
  put(data, "pending_support", time::duration(t.seconds_pending_on_support));
  put(data, "pending_customer", time::duration(t.seconds_pending_on_customer));
  put(data, "can_reply", domain::can_reply(actor, t.access));
  put(data, "can_close", domain::can_close_as_requester(actor, t.access));
  put(data, "can_confirm_fix", domain::can_confirm_fix(actor, t.access));
  put(data, "is_closed", !domain::is_open(t.status));
  put(data, "waiting_on_me", domain::is_waiting_on_customer(t.status) && !me.is_staff());
  put(data, "max_files", std::to_string(app::kMaxAttachments));
  put(data, "max_mib", std::to_string(app::kMaxAttachmentBytes / (1024 * 1024)));
  return data;
}

Result<http::Response> show_ticket_page(Context& ctx, const app::SessionUser& me, std::int64_t id,
                                        Data extra, int status = 200) {
  auto earlier = earlier_message(ctx);
  if (!earlier) return std::unexpected(earlier.error());
  auto ticket = app::get_ticket(ctx.services().env, me.actor(), id, *earlier);
  if (!ticket) return std::unexpected(ticket.error());
  Data data = ticket_data(ctx, me, *ticket);
  auto q = ctx.query();
  if (q && (*q)->get("created") == "1") {
    put(data, "notice",
        "Thank you — your ticket has been created. We have e-mailed you a confirmation.");
  }
  if (q && (*q)->get("done") == "reply") put(data, "notice", "Your reply has been added.");
  if (q && (*q)->get("done") == "closed") put(data, "notice", "The ticket is closed.");
  if (q && (*q)->get("done") == "confirmed")
    put(data, "notice", "Thank you for confirming the fix. The ticket is closed.");
  for (const auto& key : {"error", "error_body", "error_cc", "error_attachments", "reply_body"}) {
    if (const auto* v = extra.get(key)) put(data, key, *v);
  }
  if (const auto* v = extra.get("kept")) put(data, "kept", *v);
  if (const auto* v = extra.get("has_kept")) put(data, "has_kept", *v);
  return ctx.page("ticket_show", std::move(data),
                  fmt::format("#{} {}", ticket->id, ticket->subject), status);
}

Result<http::Response> ticket_page(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx, "id");
  if (!id) return std::unexpected(id.error());
  return show_ticket_page(ctx, **me, *id, Data{});
}

Result<http::Response> reply_submit(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx, "id");
  if (!id) return std::unexpected(id.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  auto& env = ctx.services().env;
  auto stashed = app::take_stashed_uploads(env, **me, kept_ids(**form));
  if (!stashed) return std::unexpected(stashed.error());
  std::vector<app::Upload> uploads = std::move(*stashed);
  for (auto& u : uploads_of(**form, "attachments")) uploads.push_back(std::move(u));
  std::string body = (*form)->get("body");
  bool internal = (*form)->get("visibility") == "internal";
  auto outcome = app::reply(env, **me, *id, body, uploads, internal);
  if (!outcome) {
    if (!is_form_error(outcome.error())) return std::unexpected(outcome.error());
    auto kept = app::stash_uploads(env, **me, uploads);
    if (!kept) return std::unexpected(kept.error());
    Data extra;
    add_form_error(extra, outcome.error());
    put(extra, "reply_body", body);
    put(extra, "kept", kept_data(*kept));
    put(extra, "has_kept", !kept->empty());
    return show_ticket_page(ctx, **me, *id, std::move(extra), 400);
  }
  std::string base =
      (*me)->is_staff() && ctx.request().path.starts_with("/desk") ? "/desk/tickets" : "/tickets";
  return http::Response::redirect(fmt::format("{}/{}?done=reply#latest", base, outcome->ticket_id));
}

Result<http::Response> cc_add(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx, "id");
  if (!id) return std::unexpected(id.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  auto added = app::add_cc(ctx.services().env, **me, *id, (*form)->get("cc"));
  if (!added) {
    if (added.error().code != ErrorCode::kInvalidArgument) return std::unexpected(added.error());
    Data extra;
    add_form_error(extra, added.error());
    return show_ticket_page(ctx, **me, *id, std::move(extra), 400);
  }
  return http::Response::redirect(fmt::format("/tickets/{}#ccs", *id));
}

Result<http::Response> cc_remove(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx, "id");
  if (!id) return std::unexpected(id.error());
  auto user_id = id_param(ctx, "user");
  if (!user_id) return std::unexpected(user_id.error());
  if (auto removed = app::remove_cc(ctx.services().env, **me, *id, *user_id); !removed) {
    return std::unexpected(removed.error());
  }
  return http::Response::redirect(fmt::format("/tickets/{}#ccs", *id));
}

Result<http::Response> close_submit(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx, "id");
  if (!id) return std::unexpected(id.error());
  if (auto done = app::close_by_requester(ctx.services().env, **me, *id); !done) {
    return std::unexpected(done.error());
  }
  return http::Response::redirect(fmt::format("/tickets/{}?done=closed", *id));
}

Result<http::Response> confirm_submit(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx, "id");
  if (!id) return std::unexpected(id.error());
  if (auto done = app::confirm_fix(ctx.services().env, **me, *id); !done) {
    return std::unexpected(done.error());
  }
  return http::Response::redirect(fmt::format("/tickets/{}?done=confirmed", *id));
}

Result<http::Response> attachment(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx, "id");
  if (!id) return std::unexpected(id.error());
  auto aid = id_param(ctx, "attachment");
  if (!aid) return std::unexpected(aid.error());
  auto file = app::get_attachment(ctx.services().env, (*me)->actor(), *id, *aid);
  if (!file) return std::unexpected(file.error());
  return http::Response::download(std::move(file->bytes), file->filename, file->content_type);
}

}  // namespace

void install_portal_routes(App& app) {
  app.get("/tickets", ticket_list);
  app.get("/tickets/new", new_ticket_form);
  app.post("/tickets/new", new_ticket_submit);
  app.get("/tickets/{id}", ticket_page);
  app.post("/tickets/{id}/reply", reply_submit);
  app.post("/tickets/{id}/cc", cc_add);
  app.post("/tickets/{id}/cc/{user}/remove", cc_remove);
  app.post("/tickets/{id}/close", close_submit);
  app.post("/tickets/{id}/confirm-fix", confirm_submit);
  app.get("/tickets/{id}/attachments/{attachment}", attachment);
}

}  // namespace portico::web
