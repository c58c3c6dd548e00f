// The agent desk: queues (mine, unassigned, each team, pending on customer, all) with filters and
// search; the agent's ticket page with public replies, internal notes, status changes, assignment.

#include <charconv>

#include <fmt/format.h>

#include "portico/app/tickets.hpp"
#include "portico/app/workflow.hpp"
#include "portico/core/markdown.hpp"
#include "portico/core/time.hpp"
#include "portico/web/app.hpp"
#include "portico/web/form_errors.hpp"
#include "portico/web/view_helpers.hpp"

namespace portico::web {

namespace {

Result<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
    return fail(ErrorCode::kNotFound, "There is no such ticket.");
  }
  return id;
}

struct Queue {
  std::string slug;
  std::string label;
};

std::vector<Queue> queues() {
  std::vector<Queue> out = {{"mine", "My tickets"}, {"unassigned", "Unassigned"}};
  for (auto team : domain::all_teams()) {
    out.push_back(
        {"team-" + std::string(domain::team_slug(team)), std::string(domain::team_name(team))});
  }
  out.push_back({"pending-customer", "Pending on customer"});
  out.push_back({"all", "All tickets"});
  return out;
}

Result<app::TicketQuery> desk_query(const http::Form& q, const app::SessionUser& me,
                                    std::string& queue_slug) {
  app::TicketQuery query;
  query.filter = app::StatusFilter::kOpen;
  queue_slug = q.get("queue");
  if (queue_slug.empty()) queue_slug = "mine";
  if (queue_slug == "mine") {
    query.assignee_id = me.id;
  } else if (queue_slug == "unassigned") {
    query.unassigned = true;
  } else if (queue_slug == "pending-customer") {
    query.filter = app::StatusFilter::kPendingOnMe;
  } else if (queue_slug == "all") {
    query.filter = app::StatusFilter::kAll;
  } else if (queue_slug.starts_with("team-")) {
    auto team = domain::team_from_slug(queue_slug.substr(5));
    if (!team) return fail(ErrorCode::kInvalidArgument, "Unknown queue.");
    query.team = *team;
  } else {
    return fail(ErrorCode::kInvalidArgument, "Unknown queue.");
  }
  if (auto s = q.find("state"); s && !s->empty()) {
    auto status = domain::status_from_slug(*s);
    if (!status) return fail(ErrorCode::kInvalidArgument, "Unknown status.");
    query.status = *status;
    query.filter = app::StatusFilter::kAll;
  }
  if (auto t = q.find("type"); t && !t->empty()) {
    auto type = domain::ticket_type_from_slug(*t);
    if (!type) return fail(ErrorCode::kInvalidArgument, "Unknown ticket type.");
    query.type = *type;
  }
  for (auto [field, target] :
       {std::pair{"org", &query.organization_id}, std::pair{"assignee", &query.assignee_id}}) {
    if (auto v = q.find(field); v && !v->empty()) {
      auto id = parse_id(*v);
      if (!id) return fail(ErrorCode::kInvalidArgument, "Unknown filter value.");
      *target = *id;
    }
  }
  if (auto sort = q.find("sort"); sort && !sort->empty()) {
    auto column = app::sort_column_from_slug(*sort);
    if (!column) return fail(ErrorCode::kInvalidArgument, "Unknown sort.");
    query.sort = *column;
  }
  if (auto dir = q.find("dir"); dir && !dir->empty()) {
    if (*dir != "asc" && *dir != "desc")
      return fail(ErrorCode::kInvalidArgument, "Unknown sort direction.");
    query.descending = *dir == "desc";
  }
  if (auto paging = parse_paging(q, query); !paging) return std::unexpected(paging.error());
  query.search = q.get("q").substr(0, 200);
  return query;
}

std::string desk_url(const http::Form& q, std::string_view key, std::string_view value) {
  std::string url = "/desk?";
  bool first = true;
  for (const auto& name :
       {"queue", "state", "type", "org", "org_name", "assignee", "q", "sort", "dir", "page"}) {
    std::string v = name == key ? std::string(value) : q.get(name);
    if (name != key && key == "sort" && std::string_view(name) == "page") continue;
    if (v.empty()) continue;
    url += fmt::format("{}{}={}", first ? "" : "&", name, http::percent_encode(v));
    first = false;
  }
  return url;
}

// The organization filter's type-ahead: <option>s of the organizations whose name contains what
// was typed (htmx fills the filter's <datalist> with them).
Result<http::Response> desk_organization_options(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto q = ctx.query();
  if (!q) return std::unexpected(q.error());
  auto found = app::find_organizations(ctx.services().env, (*q)->get("org_name").substr(0, 200));
  if (!found) return std::unexpected(found.error());
  Data options{Data::type::list};
  for (const auto& o : *found) {
    Data d;
    put(d, "name", o.name);
    append(options, std::move(d));
  }
  Data data;
  put(data, "organizations", std::move(options));
  return http::Response::html(ctx.fragment("desk_organization_options", data));
}

Result<http::Response> desk_home(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto q = ctx.query();
  if (!q) return std::unexpected(q.error());
  std::string queue_slug;
  auto query = desk_query(**q, **me, queue_slug);
  if (!query) return std::unexpected(query.error());
  auto& env = ctx.services().env;
  // The organization filter: typed by name (the type-ahead) or given by id (links).
  std::string org_name;
  if (auto typed = (*q)->get("org_name"); !typed.empty()) {
    auto org = app::organization_named(env, typed.substr(0, 200));
    if (!org) return std::unexpected(org.error());
    if (!*org) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("There is no organization named “{}”.", typed.substr(0, 200)));
    }
    query->organization_id = (*org)->id;
    org_name = (*org)->name;
  } else if (query->organization_id) {
    auto org = app::organization_ref(env, *query->organization_id);
    if (!org) return std::unexpected(org.error());
    if (!*org) return fail(ErrorCode::kInvalidArgument, "Unknown filter value.");
    org_name = (*org)->name;
  }
  auto list = app::list_tickets(env, (*me)->actor(), *query);
  if (!list) return std::unexpected(list.error());
  std::int64_t now = env.now();
  const auto& zone = (*me)->time_zone;

  Data data;
  Data queue_list{Data::type::list};
  for (const auto& queue : queues()) {
    Data d;
    put(d, "slug", queue.slug);
    put(d, "label", queue.label);
    put(d, "href", "/desk?queue=" + queue.slug);
    put(d, "current", queue.slug == queue_slug);
    append(queue_list, std::move(d));
  }
  put(data, "queues", std::move(queue_list));
  put(data, "queue", queue_slug);
  auto definitions = status_definitions();
  Data rows{Data::type::list};
  for (const auto& item : list->items) {
    Data r;
    put(r, "id", std::to_string(item.id));
    put(r, "href", fmt::format("/desk/tickets/{}", item.id));
    put(r, "subject", item.subject);
    if (!item.subject_html.empty()) put(r, "subject_html", item.subject_html);
    if (!item.snippet_html.empty()) put(r, "snippet_html", item.snippet_html);
    put(r, "type", std::string(domain::ticket_type_label(item.type)));
    put(r, "requester", item.requester_name);
    put(r, "organization", item.organization_name);
    put(r, "assignee", item.assignee_name.value_or("—"));
    put(r, "status", status_badge(item.status, definitions));
    put(r, "created", time_data(item.created_at, zone, now));
    put(r, "activity", time_data(item.last_activity_at, zone, now));
    append(rows, std::move(r));
  }
  put(data, "rows", std::move(rows));
  put(data, "has_rows", !list->items.empty());
  put(data, "total_label",
      fmt::format("{}{} ticket{}", list->total, list->more ? "+" : "",
                  list->total == 1 && !list->more ? "" : "s"));
  // A search lists its newest matches only (app::list_tickets): say so.
  put(data, "more", list->more);
  Data counts{Data::type::list};
  for (auto [status, n] : list->status_counts) {
    Data d;
    put(d, "name", std::string(domain::status_name(status)));
    put(d, "count", std::to_string(n));
    put(d, "href", desk_url(**q, "state", domain::status_slug(status)));
    append(counts, std::move(d));
  }
  put(data, "status_counts", std::move(counts));
  Data statuses{Data::type::list};
  for (auto s : domain::all_statuses()) {
    Data d;
    put(d, "slug", std::string(domain::status_slug(s)));
    put(d, "name", std::string(domain::status_name(s)));
    put(d, "selected", query->status == s);
    append(statuses, std::move(d));
  }
  put(data, "statuses", std::move(statuses));
  Data types{Data::type::list};
  for (auto t : domain::all_ticket_types()) {
    Data d;
    put(d, "slug", std::string(domain::ticket_type_slug(t)));
    put(d, "label", std::string(domain::ticket_type_label(t)));
    put(d, "selected", query->type == t);
    append(types, std::move(d));
  }
  put(data, "types", std::move(types));
  put(data, "org_name", org_name);
  Data agents{Data::type::list};
  if (auto staff = app::list_staff(env)) {
    for (const auto& a : *staff) {
      Data d;
      put(d, "id", std::to_string(a.id));
      put(d, "name", a.name);
      put(d, "selected", query->assignee_id == a.id && queue_slug != "mine");
      append(agents, std::move(d));
    }
  }
  put(data, "agents", std::move(agents));
  put(data, "search", query->search);
  Data columns{Data::type::list};
  for (auto [col, label] :
       {std::pair{app::SortColumn::kId, "ID"}, std::pair{app::SortColumn::kSubject, "Subject"},
        std::pair{app::SortColumn::kStatus, "Status"},
        std::pair{app::SortColumn::kCreated, "Created"},
        std::pair{app::SortColumn::kLastActivity, "Last activity"}}) {
    Data d;
    bool active = col == query->sort;
    put(d, "label", std::string(label));
    std::string dir = active ? (query->descending ? "asc" : "desc") : "desc";
    std::string url = desk_url(**q, "sort", app::sort_column_slug(col));
    put(d, "href", url + "&dir=" + dir);
    put(d, "aria_sort", active ? (query->descending ? "descending" : "ascending") : "none");
    append(columns, std::move(d));
  }
  put(data, "columns", std::move(columns));
  put(data, "page", std::to_string(list->page));
  put(data, "pages", std::to_string(list->pages));
  put(data, "has_pages", list->pages > 1);
  // Next and Previous carry the cursor of the page they lead to (keyset pagination).
  if (list->page > 1) {
    std::string prev = desk_url(**q, "page", std::to_string(list->page - 1));
    if (list->page > 2 && list->prev_before) prev += fmt::format("&before={}", *list->prev_before);
    put(data, "prev_href", prev);
  }
  if (list->page < list->pages) {
    std::string next = desk_url(**q, "page", std::to_string(list->page + 1));
    if (list->next_after) next += fmt::format("&after={}", *list->next_after);
    put(data, "next_href", next);
  }
  return ctx.page("desk_queue", std::move(data), "Agent desk");
}

Data desk_ticket_data(Context& ctx, const app::SessionUser& me, const app::TicketDetail& t) {
  auto& env = ctx.services().env;
  std::int64_t now = env.now();
  auto definitions = status_definitions();  // read once for the status and the timeline
  Data data;
  put(data, "id", std::to_string(t.id));
  put(data, "subject", t.subject);
  put(data, "type", std::string(domain::ticket_type_label(t.type)));
  put(data, "status", status_data(t.status, definitions));
  put(data, "owner", std::string(domain::owner_label(t.status)));
  put(data, "created", time_data(t.created_at, me.time_zone, now));
  put(data, "activity", time_data(t.last_activity_at, me.time_zone, now));
  put(data, "requester", t.requester.name);
  put(data, "requester_email", t.requester.email);
  put(data, "organization", t.organization_name);
  put(data, "assignee", t.assignee ? t.assignee->name : std::string("Unassigned"));
  if (t.fix_version) put(data, "fix_version", *t.fix_version);
  if (t.deployment_schedule) put(data, "deployment_schedule", *t.deployment_schedule);
  if (t.fix_given) put(data, "fix_given", std::string(domain::fix_given_label(*t.fix_given)));
  if (t.resolution) put(data, "resolution", std::string(domain::resolution_label(*t.resolution)));
  if (t.linked_ticket_id) put(data, "linked_ticket", std::to_string(*t.linked_ticket_id));
  Data ccs{Data::type::list};
  for (const auto& cc : t.ccs) ccs.push_back(Data(cc.name + " <" + cc.email + ">"));
  put(data, "ccs", ccs);
  put(data, "has_ccs", !t.ccs.empty());
  put_thread(data, t, fmt::format("/desk/tickets/{}", t.id), me.time_zone, now);
  Data timeline{Data::type::list};
  for (const auto& p : t.timeline) {
    Data d;
    put(d, "status", status_data(p.status, definitions));
    put(d, "entered", time_data(p.entered_at, me.time_zone, now));
    put(d, "duration", time::duration(p.left_at.value_or(now) - p.entered_at));
    put(d, "actor", p.actor_name.empty() ? std::string("Portico") : p.actor_name);
    put(d, "reason", p.reason);
    put(d, "current", !p.left_at.has_value());
    append(timeline, std::move(d));
  }
  put(data, "timeline", std::move(timeline));
  put(data, "pending_support", time::duration(t.seconds_pending_on_support));
  put(data, "pending_customer", time::duration(t.seconds_pending_on_customer));
  Data next{Data::type::list};
  for (auto s : domain::allowed_next(t.status)) {
    Data d;
    put(d, "slug", std::string(domain::status_slug(s)));
    put(d, "name", std::string(domain::status_name(s)));
    append(next, std::move(d));
  }
  put(data, "next_statuses", std::move(next));
  if (me.is_admin()) {
    Data all{Data::type::list};
    for (auto s : domain::all_statuses()) {
      if (s == t.status) continue;
      Data d;
      put(d, "slug", std::string(domain::status_slug(s)));
      put(d, "name", std::string(domain::status_name(s)));
      append(all, std::move(d));
    }
    put(data, "all_statuses", std::move(all));
    put(data, "is_admin", true);
  }
  Data fixes{Data::type::list};
  for (auto f : {domain::FixGiven::kPermanentFix, domain::FixGiven::kInterimFixOrWorkaround,
                 domain::FixGiven::kBehaviourClarification}) {
    Data d;
    put(d, "slug", std::string(domain::fix_given_slug(f)));
    put(d, "label", std::string(domain::fix_given_label(f)));
    append(fixes, std::move(d));
  }
  put(data, "fixes", std::move(fixes));
  Data resolutions{Data::type::list};
  for (auto r : {domain::Resolution::kResolved, domain::Resolution::kDuplicate,
                 domain::Resolution::kWontFix, domain::Resolution::kNoResponse}) {
    Data d;
    put(d, "slug", std::string(domain::resolution_slug(r)));
    put(d, "label", std::string(domain::resolution_label(r)));
    append(resolutions, std::move(d));
  }
  put(data, "resolutions", std::move(resolutions));
  Data agents{Data::type::list};
  if (auto staff = app::list_staff(env)) {
    for (const auto& a : *staff) {
      Data d;
      put(d, "id", std::to_string(a.id));
      std::string teams;
      for (auto team : a.teams)
        teams += (teams.empty() ? "" : ", ") + std::string(domain::team_name(team));
      put(d, "name", teams.empty() ? a.name : fmt::format("{} ({})", a.name, teams));
      put(d, "selected", t.assignee && t.assignee->id == a.id);
      append(agents, std::move(d));
    }
  }
  put(data, "agents", std::move(agents));
  Data contacts{Data::type::list};
  if (auto people = app::key_contacts(env, t.organization_id)) {
    for (const auto& p : *people) contacts.push_back(Data(p.name + " <" + p.email + ">"));
  }
  put(data, "key_contacts", std::move(contacts));
  return data;
}

Result<http::Response> show_desk_ticket(Context& ctx, const app::SessionUser& me, std::int64_t id,
                                        const Data* extra, int status = 200) {
  auto earlier = earlier_message(ctx);
  if (!earlier) return std::unexpected(earlier.error());
  auto ticket = app::get_ticket(ctx.services().env, me.actor(), id, *earlier);
  if (!ticket) return std::unexpected(ticket.error());
  Data data = desk_ticket_data(ctx, me, *ticket);
  if (extra) {
    for (const auto& key : {"error", "error_to", "error_message", "error_fix_version",
                            "error_deployment_schedule", "error_fix_given", "error_resolution",
                            "error_reason", "error_body", "error_assignee", "notice"}) {
      if (const auto* v = extra->get(key)) put(data, key, *v);
    }
  }
  auto q = ctx.query();
  if (q && !(*q)->get("done").empty()) {
    std::string done = (*q)->get("done");
    put(data, "notice",
        done == "status"     ? "Status changed."
        : done == "assigned" ? "Assignment saved."
        : done == "note"     ? "Internal note added."
                             : "Reply sent.");
  }
  return ctx.page("desk_ticket", std::move(data),
                  fmt::format("#{} {}", ticket->id, ticket->subject), status);
}

Result<http::Response> desk_ticket(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto id = parse_id(ctx.param("id"));
  if (!id) return std::unexpected(id.error());
  return show_desk_ticket(ctx, **me, *id, nullptr);
}

Result<http::Response> desk_reply(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto id = parse_id(ctx.param("id"));
  if (!id) return std::unexpected(id.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  std::vector<app::Upload> uploads;
  for (const auto& f : (*form)->files()) {
    if (f.field == "attachments") uploads.push_back({f.filename, f.content_type, f.bytes});
  }
  bool internal = (*form)->get("visibility") == "internal";
  auto done =
      app::reply(ctx.services().env, **me, *id, (*form)->get("body"), std::move(uploads), internal);
  if (!done) {
    if (!is_form_error(done.error())) return std::unexpected(done.error());
    Data extra;
    add_form_error(extra, done.error());
    return show_desk_ticket(ctx, **me, *id, &extra, 400);
  }
  return http::Response::redirect(
      fmt::format("/desk/tickets/{}?done={}#latest", *id, internal ? "note" : "reply"));
}

Result<http::Response> desk_status(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto id = parse_id(ctx.param("id"));
  if (!id) return std::unexpected(id.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  const auto& f = **form;
  app::StatusChange change;
  change.forced = f.get("forced") == "1";
  change.to = change.forced ? f.get("force_to") : f.get("to");
  change.message = f.get("message");
  change.fix_version = f.get("fix_version");
  change.deployment_schedule = f.get("deployment_schedule");
  change.fix_given = f.get("fix_given");
  change.resolution = f.get("resolution");
  change.reason = f.get("reason");
  change.suggestion_subject = f.get("suggestion_subject");
  auto done = app::change_status(ctx.services().env, **me, *id, change);
  if (!done) {
    if (!is_form_error(done.error()) && done.error().code != ErrorCode::kPermissionDenied) {
      return std::unexpected(done.error());
    }
    Data extra;
    add_form_error(extra, done.error());
    return show_desk_ticket(ctx, **me, *id, &extra, status_for(done.error().code));
  }
  return http::Response::redirect(fmt::format("/desk/tickets/{}?done=status", *id));
}

Result<http::Response> desk_assign(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto id = parse_id(ctx.param("id"));
  if (!id) return std::unexpected(id.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  std::string who = (*form)->get("assignee");
  std::optional<std::int64_t> assignee;
  if (who == "me") {
    assignee = (*me)->id;
  } else if (!who.empty()) {
    auto parsed = parse_id(who);
    if (!parsed) return fail(ErrorCode::kInvalidArgument, "Choose an agent.", "assignee");
    assignee = *parsed;
  }
  auto done = app::assign(ctx.services().env, **me, *id, assignee);
  if (!done) {
    if (!is_form_error(done.error())) return std::unexpected(done.error());
    Data extra;
    add_form_error(extra, done.error());
    return show_desk_ticket(ctx, **me, *id, &extra, 400);
  }
  return http::Response::redirect(fmt::format("/desk/tickets/{}?done=assigned", *id));
}

}  // namespace

void install_desk_routes(App& app) {
  app.get("/desk", desk_home);
  app.get("/desk/organizations", desk_organization_options);
  app.get("/desk/tickets/{id}", desk_ticket);
  app.post("/desk/tickets/{id}/reply", desk_reply);
  app.post("/desk/tickets/{id}/status", desk_status);
  app.post("/desk/tickets/{id}/assign", desk_assign);
}

}  // namespace portico::web
