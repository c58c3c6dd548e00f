// The admin area: people (search, invite, edit, resend invitation, deactivate), organizations
// (create, rename, domains, key contacts) and the outbox (the mail Portico has queued or sent).
// Agents may list people and invite customers; everything else here is for admins. The services
// check the same rules again.

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "portico/app/accounts.hpp"
#include "portico/app/directory.hpp"
#include "portico/core/time.hpp"
#include "portico/mail/outbox.hpp"
#include "portico/web/app.hpp"
#include "portico/web/form_errors.hpp"

namespace portico::web {

namespace {

using app::SessionUser;

constexpr int kUsersPerPage = 25;
constexpr int kOutboxPerPage = 50;
constexpr std::size_t kMaxInvitesAtOnce = 50;

// ---- Small helpers --------------------------------------------------------------------------

// A positive decimal id from the path; anything else is a page that does not exist.
Result<std::int64_t> id_param(Context& ctx, std::string_view name = "id") {
  std::string_view text = ctx.param(name);
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || text.size() > 18 || ec != std::errc{} || end != text.data() + text.size() ||
      id <= 0) {
    return fail(ErrorCode::kNotFound, "There is nothing here. The link may be old.");
  }
  return id;
}

// A page number from the query: 1 when absent or malformed.
int page_param(const http::Form& query) {
  std::string text = query.get("page");
  int page = 1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), page);
  if (ec != std::errc{} || end != text.data() + text.size() || page < 1) return 1;
  return std::min(page, 1'000'000);
}

std::optional<std::int64_t> optional_id(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

// Failures the person can fix on the form they sent: show the form again with the error.
bool shows_in_form(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kConflict ||
         error.code == ErrorCode::kFailedPrecondition ||
         (error.code == ErrorCode::kPermissionDenied && !error.field.empty());
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string when(std::int64_t unix_seconds, const SessionUser& me) {
  return time::format_local(unix_seconds, me.time_zone);
}

std::string team_names(const std::vector<domain::Team>& teams) {
  std::string out;
  for (auto team : teams) {
    if (!out.empty()) out += ", ";
    out += domain::team_name(team);
  }
  return out;
}

std::string_view state_label(app::UserState state) {
  switch (state) {
    case app::UserState::kRegistered: return "Registered";
    case app::UserState::kInvited: return "Invited";
    case app::UserState::kDeactivated: return "Deactivated";
  }
  return "";
}

std::string_view role_label(domain::Role role) {
  switch (role) {
    case domain::Role::kCustomer: return "Customer";
    case domain::Role::kAgent: return "Agent";
    case domain::Role::kAdmin: return "Admin";
  }
  return "";
}

// The tabs of the admin area that this person may use.
Data admin_nav(const SessionUser& me, std::string_view current) {
  struct Tab {
    std::string_view key, href, label;
    bool admin_only;
  };
  constexpr Tab kTabs[] = {
      {"users", "/admin/users", "People", false},
      {"invite", "/admin/users/invite", "Invite", false},
      {"organizations", "/admin/organizations", "Organizations", true},
      {"outbox", "/admin/outbox", "Outbox", true},
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
  put(data, "admin_nav", admin_nav(me, current));
  put(data, "is_admin", me.is_admin());
  return data;
}

// A notice after a redirect (?done=…): fixed texts only, never the query's own words.
void add_notice(Context& ctx, Data& data) {
  auto query = ctx.query();
  if (!query) return;
  static const std::pair<std::string_view, std::string_view> kNotices[] = {
      {"saved", "The changes are saved."},
      {"resent", "A new invitation has been sent; the earlier link no longer works."},
      {"deactivated", "The account is deactivated; its sessions have ended."},
      {"reactivated", "The account is active again."},
      {"created", "The organization has been created."},
      {"renamed", "The organization has been renamed."},
      {"domain-added", "The domain has been added."},
      {"domain-removed", "The domain has been removed."},
      {"key-contact", "The key contacts are updated."},
  };
  std::string done = (*query)->get("done");
  for (const auto& [key, text] : kNotices) {
    if (done == key) put(data, "notice", std::string(text));
  }
}

Data role_options(std::string_view selected, bool admin) {
  Data roles{Data::type::list};
  for (auto role : {domain::Role::kCustomer, domain::Role::kAgent, domain::Role::kAdmin}) {
    if (!admin && role != domain::Role::kCustomer) continue;
    Data r;
    put(r, "value", std::string(domain::role_slug(role)));
    put(r, "label", std::string(role_label(role)));
    put(r, "selected", domain::role_slug(role) == selected);
    append(roles, std::move(r));
  }
  return roles;
}

Data team_options(const std::vector<std::string>& checked) {
  Data teams{Data::type::list};
  for (auto team : domain::all_teams()) {
    std::string slug(domain::team_slug(team));
    Data t;
    put(t, "value", slug);
    put(t, "label", std::string(domain::team_name(team)));
    put(t, "checked", std::find(checked.begin(), checked.end(), slug) != checked.end());
    append(teams, std::move(t));
  }
  return teams;
}

std::vector<std::string> team_slugs(const std::vector<domain::Team>& teams) {
  std::vector<std::string> out;
  for (auto team : teams) out.emplace_back(domain::team_slug(team));
  return out;
}

// The options of an organization <select>: by_id submits the id (edits), else the name
// (invitations, which take a name like the command line does).
template <typename Selected>
Data organization_options(const std::vector<app::OrganizationSummary>& organizations,
                          Selected is_selected, bool by_id) {
  Data list{Data::type::list};
  for (const auto& org : organizations) {
    Data o;
    put(o, "value", by_id ? std::to_string(org.id) : org.name);
    put(o, "label", org.name);
    put(o, "selected", is_selected(org));
    append(list, std::move(o));
  }
  return list;
}

// "/admin/users?q=…&role=…&page=2": the list's address with its filters kept.
std::string list_href(std::string_view base,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(base);
  char separator = '?';
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += fmt::format("{}{}={}", separator, key, http::percent_encode(value));
    separator = '&';
  }
  return out;
}

// ---- People ---------------------------------------------------------------------------------

Result<http::Response> users_page(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto query = ctx.query();
  if (!query) return std::unexpected(query.error());
  app::UserQuery filter;
  filter.text = (*query)->get("q");
  std::string role = (*query)->get("role");
  filter.role = domain::role_from_slug(role);
  if (!filter.role) role.clear();
  filter.organization_id = optional_id((*query)->get("organization"));
  filter.page = page_param(**query);
  filter.per_page = kUsersPerPage;
  auto actor = app::actor_of(**me);
  auto found = app::search_users(ctx.services().env, actor, filter);
  if (!found) return std::unexpected(found.error());

  Data data = base_data(**me, "users");
  add_notice(ctx, data);
  put(data, "q", filter.text);
  Data roles{Data::type::list};
  for (auto r : {domain::Role::kCustomer, domain::Role::kAgent, domain::Role::kAdmin}) {
    Data option;
    put(option, "value", std::string(domain::role_slug(r)));
    put(option, "label", std::string(role_label(r)) + "s");
    put(option, "selected", domain::role_slug(r) == role);
    append(roles, std::move(option));
  }
  put(data, "roles", std::move(roles));
  if (filter.organization_id) {
    put(data, "organization_filter", std::to_string(*filter.organization_id));
  }

  Data rows{Data::type::list};
  for (const auto& u : found->users) {
    Data row;
    put(row, "id", std::to_string(u.id));
    put(row, "name", u.name);
    put(row, "email", u.email);
    put(row, "role", std::string(role_label(u.role)));
    put(row, "organization", u.organization_name);
    put(row, "key_contact", u.key_contact);
    put(row, "teams", team_names(u.teams));
    put(row, "state", std::string(app::user_state_slug(u.state())));
    put(row, "state_label", std::string(state_label(u.state())));
    bool invited = u.state() == app::UserState::kInvited;
    put(row, "can_edit", (*me)->is_admin());
    put(row, "can_resend", invited && ((*me)->is_admin() || u.role == domain::Role::kCustomer));
    append(rows, std::move(row));
  }
  put(data, "users", std::move(rows));
  put(data, "has_users", !found->users.empty());
  put(data, "total", std::to_string(found->total));
  std::vector<std::pair<std::string, std::string>> params = {
      {"q", filter.text},
      {"role", role},
      {"organization", filter.organization_id ? std::to_string(*filter.organization_id) : ""}};
  if (found->has_previous()) {
    auto p = params;
    p.emplace_back("page", found->page > 2 ? std::to_string(found->page - 1) : "");
    put(data, "previous_href", list_href("/admin/users", p));
  }
  if (found->has_next()) {
    auto p = params;
    p.emplace_back("page", std::to_string(found->page + 1));
    put(data, "next_href", list_href("/admin/users", p));
  }
  put(data, "page", std::to_string(found->page));
  return ctx.page("admin_users", std::move(data), "People");
}

// What the invitation form shows: the typed values, the choices this person has.
struct InviteForm {
  std::string emails;
  std::string name;
  std::string role = "customer";
  std::string organization;
  std::vector<std::string> teams;
};

Result<Data> invite_data(Context& ctx, const SessionUser& me, const InviteForm& form) {
  auto organizations = app::list_organizations(ctx.services().env, app::actor_of(me));
  if (!organizations) return std::unexpected(organizations.error());
  Data data = base_data(me, "invite");
  put(data, "emails", form.emails);
  put(data, "name", form.name);
  put(data, "roles", role_options(form.role, me.is_admin()));
  std::string wanted = lower(form.organization);
  put(data, "organizations",
      organization_options(
          *organizations,
          [&](const app::OrganizationSummary& org) { return lower(org.name) == wanted; }, false));
  put(data, "has_organizations", !organizations->empty());
  put(data, "teams", team_options(form.teams));
  put(data, "can_invite_staff", me.is_admin());
  return data;
}

Result<http::Response> invite_page(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto query = ctx.query();
  if (!query) return std::unexpected(query.error());
  InviteForm form;
  form.organization = (*query)->get("organization");
  auto data = invite_data(ctx, **me, form);
  if (!data) return std::unexpected(data.error());
  return ctx.page("admin_invite", std::move(*data), "Invite people");
}

// Splits "a@x.com, b@y.com\nc@z.com" into addresses, in order, without repeats.
std::vector<std::string> split_addresses(std::string_view text) {
  std::vector<std::string> out;
  std::vector<std::string> keys;
  std::size_t i = 0;
  constexpr std::string_view kSeparators = " ,;\t\r\n";
  while (i < text.size()) {
    i = text.find_first_not_of(kSeparators, i);
    if (i == std::string_view::npos) break;
    std::size_t end = text.find_first_of(kSeparators, i);
    if (end == std::string_view::npos) end = text.size();
    std::string address(text.substr(i, end - i));
    std::string key = lower(address);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(key);
      out.push_back(std::move(address));
    }
    i = end;
  }
  return out;
}

Result<http::Response> invite_form_error(Context& ctx, const SessionUser& me,
                                         const InviteForm& form, Error error) {
  if (error.field == "email") error.field = "emails";
  auto data = invite_data(ctx, me, form);
  if (!data) return std::unexpected(data.error());
  add_form_error(*data, error);
  return ctx.page("admin_invite", std::move(*data), "Invite people", status_for(error.code));
}

Result<http::Response> invite_submit(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto posted = ctx.form();
  if (!posted) return std::unexpected(posted.error());
  InviteForm form;
  form.emails = (*posted)->get("emails");
  form.name = (*posted)->get("name");
  form.role = (*posted)->get("role");
  form.organization = (*posted)->get("organization");
  form.teams = (*posted)->get_all("teams");

  // Validate the list of addresses before anything is sent.
  auto addresses = split_addresses(form.emails);
  if (addresses.empty()) {
    return invite_form_error(ctx, **me, form,
                             Error::invalid("Enter at least one e-mail address.", "emails"));
  }
  if (addresses.size() > kMaxInvitesAtOnce) {
    return invite_form_error(
        ctx, **me, form,
        Error::invalid(fmt::format("Invite at most {} people at once.", kMaxInvitesAtOnce),
                       "emails"));
  }
  for (const auto& address : addresses) {
    if (auto ok = app::normalize_email(address); !ok) {
      return invite_form_error(ctx, **me, form, ok.error());
    }
  }
  if (addresses.size() > 1 && !form.name.empty()) {
    return invite_form_error(
        ctx, **me, form,
        Error::invalid("A name goes with a single invitation: leave it empty when inviting "
                       "several people (they can set their name later).",
                       "name"));
  }
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    auto ok =
        ctx.take_attempt(ctx.services().limiters.invite_user, fmt::format("invite:{}", (*me)->id));
    if (!ok) return std::unexpected(ok.error());
  }

  auto inviter = app::actor_of(**me).as_inviter();
  Data results{Data::type::list};
  int sent = 0;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    app::InviteInput input{addresses[i], form.name, form.organization, form.role, form.teams};
    // The form shows every field; only those that fit the chosen role are used.
    if (form.role == "customer") {
      input.teams.clear();
    } else {
      input.organization.clear();
    }
    auto invited = app::invite(ctx.services().env, inviter, input);
    if (!invited) {
      const Error& error = invited.error();
      // A mistake in the shared fields shows on the first address, before anything is sent:
      // show the form again. So does any mistake when there is just one address.
      bool shared_field = error.field != "email" && error.code != ErrorCode::kConflict;
      if (shows_in_form(error) && (addresses.size() == 1 || (i == 0 && shared_field))) {
        return invite_form_error(ctx, **me, form, error);
      }
      if (!shows_in_form(error) && error.code != ErrorCode::kPermissionDenied) {
        return std::unexpected(error);
      }
      Data row;
      put(row, "email", addresses[i]);
      put(row, "ok", false);
      put(row, "message", error.message);
      put(row, "can_edit", false);
      append(results, std::move(row));
      continue;
    }
    ++sent;
    Data row;
    put(row, "email", invited->email);
    put(row, "ok", true);
    put(row, "message", std::string("Invitation sent."));
    put(row, "user_id", std::to_string(invited->user_id));
    put(row, "can_edit", (*me)->is_admin());
    append(results, std::move(row));
  }
  Data data = base_data(**me, "invite");
  put(data, "results", std::move(results));
  put(data, "summary",
      fmt::format("{} of {} invitation{} sent.", sent, addresses.size(),
                  addresses.size() == 1 ? "" : "s"));
  return ctx.page("admin_invite_result", std::move(data), "Invitations");
}

struct UserForm {
  std::string name;
  std::string role;
  std::optional<std::int64_t> organization_id;
  std::vector<std::string> teams;
};

Result<Data> user_data(Context& ctx, const SessionUser& me, const app::UserSummary& user,
                       const UserForm& form) {
  auto organizations = app::list_organizations(ctx.services().env, app::actor_of(me));
  if (!organizations) return std::unexpected(organizations.error());
  Data data = base_data(me, "users");
  add_notice(ctx, data);
  put(data, "id", std::to_string(user.id));
  put(data, "email", user.email);
  put(data, "current_name", user.name);
  put(data, "name", form.name);
  put(data, "roles", role_options(form.role, true));
  put(data, "organizations",
      organization_options(
          *organizations,
          [&](const app::OrganizationSummary& org) { return form.organization_id == org.id; },
          true));
  put(data, "teams", team_options(form.teams));
  put(data, "state", std::string(app::user_state_slug(user.state())));
  put(data, "state_label", std::string(state_label(user.state())));
  put(data, "is_invited", user.state() == app::UserState::kInvited);
  put(data, "is_active", user.active);
  put(data, "is_self", user.id == me.id);
  put(data, "key_contact", user.key_contact);
  put(data, "created", when(user.created_at, me));
  if (user.last_login_at) put(data, "last_login", when(*user.last_login_at, me));
  if (user.organization_id) {
    put(data, "organization_id", std::to_string(*user.organization_id));
    put(data, "organization_name", user.organization_name);
  }
  return data;
}

UserForm form_of(const app::UserSummary& user) {
  return UserForm{user.name, std::string(domain::role_slug(user.role)), user.organization_id,
                  team_slugs(user.teams)};
}

Result<http::Response> user_page(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto user = app::get_user(ctx.services().env, app::actor_of(**me), *id);
  if (!user) return std::unexpected(user.error());
  auto data = user_data(ctx, **me, *user, form_of(*user));
  if (!data) return std::unexpected(data.error());
  return ctx.page("admin_user", std::move(*data), user->name);
}

Result<http::Response> user_submit(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto posted = ctx.form();
  if (!posted) return std::unexpected(posted.error());
  UserForm form{(*posted)->get("name"), (*posted)->get("role"),
                optional_id((*posted)->get("organization_id")), (*posted)->get_all("teams")};
  auto actor = app::actor_of(**me);
  app::UserUpdate update{form.name, form.role,
                         form.role == "customer" ? form.organization_id : std::nullopt,
                         form.role == "customer" ? std::vector<std::string>{} : form.teams};
  auto updated = app::update_user(ctx.services().env, actor, *id, update);
  if (!updated) {
    if (!shows_in_form(updated.error())) return std::unexpected(updated.error());
    auto user = app::get_user(ctx.services().env, actor, *id);
    if (!user) return std::unexpected(user.error());
    auto data = user_data(ctx, **me, *user, form);
    if (!data) return std::unexpected(data.error());
    add_form_error(*data, updated.error());
    return ctx.page("admin_user", std::move(*data), user->name, status_for(updated.error().code));
  }
  return http::Response::redirect(fmt::format("/admin/users/{}?done=saved", *id));
}

Result<http::Response> user_resend(Context& ctx) {
  auto me = ctx.require_staff();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  if (auto ok = ctx.take_attempt(ctx.services().limiters.invite_user,
                                 fmt::format("invite:{}", (*me)->id));
      !ok) {
    return std::unexpected(ok.error());
  }
  auto sent = app::resend_invitation(ctx.services().env, app::actor_of(**me).as_inviter(), *id);
  if (!sent) return std::unexpected(sent.error());
  if ((*me)->is_admin()) {
    return http::Response::redirect(fmt::format("/admin/users/{}?done=resent", *id));
  }
  return http::Response::redirect("/admin/users?done=resent");
}

Result<http::Response> user_set_active(Context& ctx, bool active) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto actor = app::actor_of(**me);
  auto done = active ? app::reactivate_user(ctx.services().env, actor, *id)
                     : app::deactivate_user(ctx.services().env, actor, *id);
  if (!done) {
    if (done.error().code != ErrorCode::kFailedPrecondition) return std::unexpected(done.error());
    auto user = app::get_user(ctx.services().env, actor, *id);
    if (!user) return std::unexpected(user.error());
    auto data = user_data(ctx, **me, *user, form_of(*user));
    if (!data) return std::unexpected(data.error());
    add_form_error(*data, done.error());
    return ctx.page("admin_user", std::move(*data), user->name, 409);
  }
  return http::Response::redirect(
      fmt::format("/admin/users/{}?done={}", *id, active ? "reactivated" : "deactivated"));
}

// ---- Organizations --------------------------------------------------------------------------

Result<Data> organizations_data(Context& ctx, const SessionUser& me) {
  auto organizations = app::list_organizations(ctx.services().env, app::actor_of(me));
  if (!organizations) return std::unexpected(organizations.error());
  Data data = base_data(me, "organizations");
  add_notice(ctx, data);
  Data rows{Data::type::list};
  for (const auto& org : *organizations) {
    Data row;
    put(row, "id", std::to_string(org.id));
    put(row, "name", org.name);
    std::string domains;
    for (const auto& d : org.domains) domains += (domains.empty() ? "" : ", ") + d;
    put(row, "domains", std::move(domains));
    put(row, "members", std::to_string(org.member_count));
    put(row, "created", when(org.created_at, me));
    append(rows, std::move(row));
  }
  put(data, "organizations", std::move(rows));
  put(data, "has_organizations", !organizations->empty());
  return data;
}

Result<http::Response> organizations_page(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto data = organizations_data(ctx, **me);
  if (!data) return std::unexpected(data.error());
  return ctx.page("admin_organizations", std::move(*data), "Organizations");
}

std::vector<std::string> split_domains(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  constexpr std::string_view kSeparators = " ,;\t\r\n";
  while (i < text.size()) {
    i = text.find_first_not_of(kSeparators, i);
    if (i == std::string_view::npos) break;
    std::size_t end = text.find_first_of(kSeparators, i);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

Result<http::Response> organization_create(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto posted = ctx.form();
  if (!posted) return std::unexpected(posted.error());
  std::string name = (*posted)->get("name");
  std::string domains = (*posted)->get("domains");
  auto created = app::create_organization(ctx.services().env, app::actor_of(**me), name,
                                          split_domains(domains));
  if (!created) {
    if (!shows_in_form(created.error())) return std::unexpected(created.error());
    auto data = organizations_data(ctx, **me);
    if (!data) return std::unexpected(data.error());
    data->set("new_name", name);
    data->set("new_domains", domains);
    add_form_error(*data, created.error());
    return ctx.page("admin_organizations", std::move(*data), "Organizations",
                    status_for(created.error().code));
  }
  return http::Response::redirect(fmt::format("/admin/organizations/{}?done=created", created->id));
}

Result<Data> organization_data(Context& ctx, const SessionUser& me, std::int64_t id) {
  auto detail = app::get_organization(ctx.services().env, app::actor_of(me), id);
  if (!detail) return std::unexpected(detail.error());
  const auto& org = detail->organization;
  Data data = base_data(me, "organizations");
  add_notice(ctx, data);
  put(data, "id", std::to_string(org.id));
  put(data, "org_name", org.name);
  put(data, "name", org.name);
  put(data, "created", when(org.created_at, me));
  put(data, "member_count", std::to_string(org.member_count));
  put(data, "invite_href", list_href("/admin/users/invite", {{"organization", org.name}}));
  Data domains{Data::type::list};
  for (const auto& d : org.domains) domains.push_back(Data(d));
  put(data, "domains", domains);
  put(data, "has_domains", !org.domains.empty());
  Data members{Data::type::list};
  for (const auto& m : detail->members) {
    Data row;
    put(row, "user_id", std::to_string(m.user_id));
    put(row, "member_name", m.name);
    put(row, "email", m.email);
    app::UserState state = !m.active      ? app::UserState::kDeactivated
                           : m.registered ? app::UserState::kRegistered
                                          : app::UserState::kInvited;
    put(row, "state", std::string(app::user_state_slug(state)));
    put(row, "state_label", std::string(state_label(state)));
    put(row, "key_contact", m.key_contact);
    append(members, std::move(row));
  }
  put(data, "members", members);
  put(data, "has_members", !detail->members.empty());
  put(data, "more_members", detail->more_members);
  put(data, "members_href", fmt::format("/admin/users?organization={}", org.id));
  return data;
}

Result<http::Response> organization_page(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto data = organization_data(ctx, **me, *id);
  if (!data) return std::unexpected(data.error());
  std::string title = data->get("org_name")->string_value();
  return ctx.page("admin_organization", std::move(*data), title);
}

// Runs one change to an organization, then goes back to its page, or shows the page again with
// the error beside the field.
template <typename Change>
Result<http::Response> organization_change(Context& ctx, std::string_view done, Change change) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto posted = ctx.form();
  if (!posted) return std::unexpected(posted.error());
  auto changed = change(app::actor_of(**me), *id, **posted);
  if (!changed) {
    if (!shows_in_form(changed.error())) return std::unexpected(changed.error());
    auto data = organization_data(ctx, **me, *id);
    if (!data) return std::unexpected(data.error());
    if (changed.error().field == "name") data->set("name", (*posted)->get("name"));
    if (changed.error().field == "domains") data->set("new_domain", (*posted)->get("domain"));
    add_form_error(*data, changed.error());
    std::string title = data->get("org_name")->string_value();
    return ctx.page("admin_organization", std::move(*data), title,
                    status_for(changed.error().code));
  }
  return http::Response::redirect(fmt::format("/admin/organizations/{}?done={}", *id, done));
}

Result<http::Response> organization_rename(Context& ctx) {
  return organization_change(
      ctx, "renamed", [&](const app::Actor& actor, std::int64_t id, const http::Form& form) {
        return app::rename_organization(ctx.services().env, actor, id, form.get("name"));
      });
}

Result<http::Response> organization_add_domain(Context& ctx) {
  return organization_change(
      ctx, "domain-added", [&](const app::Actor& actor, std::int64_t id, const http::Form& form) {
        return app::add_organization_domain(ctx.services().env, actor, id, form.get("domain"));
      });
}

Result<http::Response> organization_remove_domain(Context& ctx) {
  return organization_change(
      ctx, "domain-removed", [&](const app::Actor& actor, std::int64_t id, const http::Form& form) {
        return app::remove_organization_domain(ctx.services().env, actor, id, form.get("domain"));
      });
}

Result<http::Response> organization_key_contact(Context& ctx) {
  return organization_change(
      ctx, "key-contact", [&](const app::Actor& actor, std::int64_t id, const http::Form& form) {
        auto user_id = optional_id(form.get("user_id"));
        if (!user_id) return Result<void>(fail(ErrorCode::kNotFound, "There is no such person."));
        return app::set_key_contact(ctx.services().env, actor, id, *user_id,
                                    form.get("key_contact") == "1");
      });
}

// ---- Outbox ---------------------------------------------------------------------------------

Result<http::Response> outbox_page(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto query = ctx.query();
  if (!query) return std::unexpected(query.error());
  int page = page_param(**query);
  // One row more than shown tells whether there is a next page.
  auto entries = mail::list_outbox(ctx.services().db, kOutboxPerPage + 1,
                                   (std::min(page, 100'000) - 1) * kOutboxPerPage);
  if (!entries) return std::unexpected(entries.error());
  bool has_next = entries->size() > static_cast<std::size_t>(kOutboxPerPage);
  if (has_next) entries->pop_back();
  Data data = base_data(**me, "outbox");
  Data rows{Data::type::list};
  for (const auto& e : *entries) {
    Data row;
    put(row, "id", std::to_string(e.id));
    put(row, "created", when(e.created_at, **me));
    put(row, "to",
        e.to_name.empty() ? e.to_address : fmt::format("{} <{}>", e.to_name, e.to_address));
    put(row, "subject", e.subject);
    put(row, "state", std::string(mail::to_string(e.state)));
    put(row, "attempts", std::to_string(e.attempts));
    put(row, "last_error", e.last_error.value_or(""));
    append(rows, std::move(row));
  }
  put(data, "entries", std::move(rows));
  put(data, "has_entries", !entries->empty());
  put(data, "page", std::to_string(page));
  if (page > 1) {
    put(data, "previous_href",
        page == 2 ? std::string("/admin/outbox") : fmt::format("/admin/outbox?page={}", page - 1));
  }
  if (has_next) put(data, "next_href", fmt::format("/admin/outbox?page={}", page + 1));
  return ctx.page("admin_outbox", std::move(data), "Outbox");
}

Result<http::Response> outbox_entry_page(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto entry = mail::get_outbox(ctx.services().db, *id);
  if (!entry) return std::unexpected(entry.error());
  const auto& e = *entry;
  Data data = base_data(**me, "outbox");
  put(data, "id", std::to_string(e.id));
  Data headers{Data::type::list};
  auto header = [&](std::string_view name, std::string value) {
    if (value.empty()) return;
    Data h;
    put(h, "header", std::string(name));
    put(h, "value", std::move(value));
    append(headers, std::move(h));
  };
  header("To", e.to_name.empty() ? e.to_address : fmt::format("{} <{}>", e.to_name, e.to_address));
  header("Subject", e.subject);
  header("Message-ID", e.message_id.value_or(""));
  header("Template", e.template_name);
  header("Ticket", e.ticket_id ? fmt::format("#{}", *e.ticket_id) : "");
  header("Created", when(e.created_at, **me));
  header("State", std::string(mail::to_string(e.state)));
  header("Attempts", std::to_string(e.attempts));
  if (e.state == mail::OutboxState::kQueued) header("Next attempt", when(e.next_attempt_at, **me));
  header("Sent", e.sent_at ? when(*e.sent_at, **me) : "");
  header("Last error", e.last_error.value_or(""));
  put(data, "headers", std::move(headers));
  put(data, "subject", e.subject);
  put(data, "body_text", e.body_text);
  put(data, "body_html", e.body_html);  // escaped by the template: shown as source
  put(data, "html_href", fmt::format("/admin/outbox/{}/html", e.id));
  return ctx.page("admin_outbox_entry", std::move(data), e.subject);
}

// The HTML part alone, for the sandboxed frame on the message page: no scripts, no forms, no
// requests anywhere (only inline styles and data: images), and framable by our own pages only.
Result<http::Response> outbox_entry_html(Context& ctx) {
  auto me = ctx.require_admin();
  if (!me) return std::unexpected(me.error());
  auto id = id_param(ctx);
  if (!id) return std::unexpected(id.error());
  auto entry = mail::get_outbox(ctx.services().db, *id);
  if (!entry) return std::unexpected(entry.error());
  auto r = http::Response::html(entry->body_html);
  r.headers.set("Content-Security-Policy",
                "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "frame-ancestors 'self'");
  r.headers.set("X-Frame-Options", "SAMEORIGIN");
  r.headers.set("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace

void install_admin_routes(App& app) {
  app.get("/admin", [](Context&) -> Result<http::Response> {
    return http::Response::redirect("/admin/users", 302);
  });
  app.get("/admin/users", users_page);
  app.get("/admin/users/invite", invite_page);
  app.post("/admin/users/invite", invite_submit);
  app.get("/admin/users/{id}", user_page);
  app.post("/admin/users/{id}", user_submit);
  app.post("/admin/users/{id}/resend-invitation", user_resend);
  app.post("/admin/users/{id}/deactivate",
           [](Context& ctx) { return user_set_active(ctx, false); });
  app.post("/admin/users/{id}/reactivate", [](Context& ctx) { return user_set_active(ctx, true); });
  app.get("/admin/organizations", organizations_page);
  app.post("/admin/organizations", organization_create);
  app.get("/admin/organizations/{id}", organization_page);
  app.post("/admin/organizations/{id}", organization_rename);
  app.post("/admin/organizations/{id}/domains", organization_add_domain);
  app.post("/admin/organizations/{id}/domains/remove", organization_remove_domain);
  app.post("/admin/organizations/{id}/key-contacts", organization_key_contact);
  app.get("/admin/outbox", outbox_page);
  app.get("/admin/outbox/{id}", outbox_entry_page);
  app.get("/admin/outbox/{id}/html", outbox_entry_html);
}

}  // namespace portico::web
