#include "portico/app/directory.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Connection;
using storage::Params;

constexpr std::size_t kMaxNameLength = 200;

// Every query that reads people selects these columns, in this order (see user_from_row).
constexpr std::string_view kUserColumns =
    "u.id, u.email, u.name, u.role, u.organization_id, COALESCE(o.name, ''), u.is_key_contact, "
    "u.password_hash IS NOT NULL, u.is_active, u.created_at, u.last_login_at";

// The filters of search_users: $1 text ('' for none), $2 its LIKE pattern, $3 role ('' for any),
// $4 organization id (0 for any). The column comparison comes first so that PostgreSQL infers
// the parameter's type from it.
constexpr std::string_view kUserFilter =
    " FROM users u LEFT JOIN organizations o ON o.id = u.organization_id"
    " WHERE ($1 = '' OR u.email_key LIKE $2 ESCAPE '\\' OR lower(u.name) LIKE $2 ESCAPE '\\')"
    " AND (u.role = $3 OR $3 = '')"
    " AND (u.organization_id = $4 OR $4 = 0)";

std::string trim(std::string_view in) {
  auto begin = in.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  auto end = in.find_last_not_of(" \t\r\n");
  return std::string(in.substr(begin, end - begin + 1));
}

std::string lower(std::string_view in) {
  std::string out(in);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "%text%" for LIKE, with LIKE's own wildcards escaped (ESCAPE '\').
std::string like_pattern(std::string_view text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

Result<void> require_staff(const Actor& actor) {
  if (!actor.is_staff()) {
    return fail(ErrorCode::kPermissionDenied, "This is for support staff only.");
  }
  return {};
}

Result<void> require_admin(const Actor& actor, std::string_view what) {
  if (!actor.is_admin()) return fail(ErrorCode::kPermissionDenied, std::string(what));
  return {};
}

Result<std::string> clean_organization_name(std::string_view name) {
  std::string clean = trim(name);
  if (clean.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Enter the organization's name.", "name");
  }
  if (clean.size() > kMaxNameLength) {
    return fail(ErrorCode::kInvalidArgument, "The name is too long (200 characters at most).",
                "name");
  }
  if (std::any_of(clean.begin(), clean.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    return fail(ErrorCode::kInvalidArgument, "The name cannot hold control characters.", "name");
  }
  return clean;
}

UserSummary user_from_row(const storage::Row& r) {
  UserSummary u;
  u.id = r.integer(0);
  u.email = r.text(1);
  u.name = r.text(2);
  u.role = domain::role_from_slug(r.text(3)).value_or(domain::Role::kCustomer);
  u.organization_id = r.opt_integer(4);
  u.organization_name = r.text(5);
  u.key_contact = r.integer(6) != 0;
  u.registered = r.integer(7) != 0;
  u.active = r.integer(8) != 0;
  u.created_at = r.integer(9);
  u.last_login_at = r.opt_integer(10);
  return u;
}

// Fills in the teams of the given people with one query.
Result<void> load_teams(Connection& c, std::vector<UserSummary>& users) {
  if (users.empty()) return {};
  std::string sql = "SELECT user_id, team FROM user_teams WHERE user_id IN (";
  Params params;
  for (std::size_t i = 0; i < users.size(); ++i) {
    sql += fmt::format("{}${}", i == 0 ? "" : ", ", i + 1);
    params.add(users[i].id);
  }
  sql += ") ORDER BY user_id, team";
  auto rows = c.query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  std::map<std::int64_t, std::vector<domain::Team>> teams;
  for (const auto& row : *rows) {
    if (auto team = domain::team_from_code(static_cast<int>(row.integer(1)))) {
      teams[row.integer(0)].push_back(*team);
    }
  }
  for (auto& user : users) {
    if (auto it = teams.find(user.id); it != teams.end()) user.teams = it->second;
  }
  return {};
}

Result<UserSummary> load_user(Connection& c, std::int64_t id) {
  auto row = c.query_optional(
      fmt::format("SELECT {} FROM users u LEFT JOIN organizations o ON o.id = u.organization_id "
                  "WHERE u.id = $1",
                  kUserColumns),
      Params(id));
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(ErrorCode::kNotFound, "There is no such person.");
  std::vector<UserSummary> one{user_from_row(**row)};
  if (auto teams = load_teams(c, one); !teams) return std::unexpected(teams.error());
  return std::move(one.front());
}

Result<OrganizationSummary> load_organization(Connection& c, std::int64_t id) {
  auto row = c.query_optional(
      "SELECT o.id, o.name, o.created_at, "
      "(SELECT COUNT(*) FROM users u WHERE u.organization_id = o.id) "
      "FROM organizations o WHERE o.id = $1",
      Params(id));
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(ErrorCode::kNotFound, "There is no such organization.");
  OrganizationSummary org;
  org.id = (*row)->integer(0);
  org.name = (*row)->text(1);
  org.created_at = (*row)->integer(2);
  org.member_count = (*row)->integer(3);
  auto domains =
      c.query("SELECT domain FROM organization_domains WHERE organization_id = $1 ORDER BY domain",
              Params(id));
  if (!domains) return std::unexpected(domains.error());
  for (const auto& d : *domains) org.domains.push_back(d.text(0));
  return org;
}

// kConflict when another organization already has this name (case-insensitive).
Result<void> check_name_free(Connection& c, const std::string& name,
                             std::optional<std::int64_t> except) {
  auto row =
      c.query_optional("SELECT id FROM organizations WHERE name_key = $1", Params(lower(name)));
  if (!row) return std::unexpected(row.error());
  if (*row && (!except || (*row)->integer(0) != *except)) {
    return fail(ErrorCode::kConflict,
                fmt::format("There is already an organization named '{}'.", name), "name");
  }
  return {};
}

// Adds a domain to an organization; kConflict if it belongs to another one, nothing if it is
// already this organization's.
Result<void> insert_domain(Connection& c, std::int64_t organization_id, const std::string& domain) {
  auto owner = c.query_optional(
      "SELECT o.id, o.name FROM organization_domains d JOIN organizations o "
      "ON o.id = d.organization_id WHERE d.domain = $1",
      Params(domain));
  if (!owner) return std::unexpected(owner.error());
  if (*owner) {
    if ((*owner)->integer(0) == organization_id) return {};
    return fail(ErrorCode::kConflict,
                fmt::format("The domain {} already belongs to {}.", domain, (*owner)->text(1)),
                "domains");
  }
  auto inserted =
      c.execute("INSERT INTO organization_domains (domain, organization_id) VALUES ($1, $2)",
                Params(domain, organization_id));
  if (!inserted) return std::unexpected(inserted.error());
  return {};
}

// How many active, registered admins there are other than `except`.
Result<std::int64_t> other_active_admins(Connection& c, std::int64_t except) {
  auto row = c.query_one(
      "SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = 1 "
      "AND password_hash IS NOT NULL AND id <> $1",
      Params(except));
  if (!row) return std::unexpected(row.error());
  return row->integer(0);
}

bool is_working_admin(const UserSummary& user) {
  return user.role == domain::Role::kAdmin && user.active && user.registered;
}

Result<void> keep_an_admin(Connection& c, const UserSummary& user) {
  if (!is_working_admin(user)) return {};
  auto others = other_active_admins(c, user.id);
  if (!others) return std::unexpected(others.error());
  if (*others == 0) {
    return fail(
        ErrorCode::kFailedPrecondition,
        fmt::format("{} is the last active admin. Make someone else an admin first.", user.name),
        "role");
  }
  return {};
}

Result<std::vector<domain::Team>> parse_teams(const std::vector<std::string>& slugs) {
  std::vector<domain::Team> teams;
  for (const auto& slug : slugs) {
    std::string clean = lower(trim(slug));
    if (clean.empty()) continue;
    auto team = domain::team_from_slug(clean);
    if (!team) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("There is no team '{}'. The teams are support, product, technical, "
                              "development and deployment.",
                              trim(slug)),
                  "teams");
    }
    if (std::find(teams.begin(), teams.end(), *team) == teams.end()) teams.push_back(*team);
  }
  std::sort(teams.begin(), teams.end());
  return teams;
}

}  // namespace

Actor actor_of(const SessionUser& user) { return Actor{user.id, user.role, user.name}; }

Actor command_line_actor() { return Actor{std::nullopt, domain::Role::kAdmin, ""}; }

std::string_view user_state_slug(UserState state) {
  switch (state) {
    case UserState::kRegistered: return "registered";
    case UserState::kInvited: return "invited";
    case UserState::kDeactivated: return "deactivated";
  }
  return "registered";
}

Result<std::string> normalize_domain(std::string_view domain) {
  std::string clean = lower(trim(domain));
  if (clean.starts_with('@')) clean.erase(0, 1);
  auto invalid = [&] {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not an e-mail domain such as example.com.", trim(domain)),
                "domains");
  };
  if (clean.empty() || clean.size() > 253 || clean.find('.') == std::string::npos) {
    return invalid();
  }
  std::size_t start = 0;
  while (start <= clean.size()) {
    std::size_t end = clean.find('.', start);
    if (end == std::string::npos) end = clean.size();
    std::string_view label = std::string_view(clean).substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return invalid();
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return invalid();
    }
    start = end + 1;
  }
  return clean;
}

// ---- Organizations --------------------------------------------------------------------------

Result<std::vector<OrganizationSummary>> list_organizations(Env& env, const Actor& actor) {
  if (auto ok = require_staff(actor); !ok) return std::unexpected(ok.error());
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<OrganizationSummary>> {
    auto rows = c.query(
        "SELECT o.id, o.name, o.created_at, "
        "(SELECT COUNT(*) FROM users u WHERE u.organization_id = o.id) "
        "FROM organizations o ORDER BY o.name_key");
    if (!rows) return std::unexpected(rows.error());
    std::vector<OrganizationSummary> out;
    std::map<std::int64_t, std::size_t> index;
    for (const auto& r : *rows) {
      OrganizationSummary org;
      org.id = r.integer(0);
      org.name = r.text(1);
      org.created_at = r.integer(2);
      org.member_count = r.integer(3);
      index[org.id] = out.size();
      out.push_back(std::move(org));
    }
    auto domains =
        c.query("SELECT organization_id, domain FROM organization_domains ORDER BY domain");
    if (!domains) return std::unexpected(domains.error());
    for (const auto& d : *domains) {
      if (auto it = index.find(d.integer(0)); it != index.end()) {
        out[it->second].domains.push_back(d.text(1));
      }
    }
    return out;
  });
}

Result<OrganizationSummary> create_organization(Env& env, const Actor& actor, std::string_view name,
                                                const std::vector<std::string>& domains) {
  if (auto ok = require_admin(actor, "Only admins can create organizations."); !ok) {
    return std::unexpected(ok.error());
  }
  auto clean = clean_organization_name(name);
  if (!clean) return std::unexpected(clean.error());
  std::vector<std::string> clean_domains;
  for (const auto& domain : domains) {
    if (trim(domain).empty()) continue;
    auto d = normalize_domain(domain);
    if (!d) return std::unexpected(d.error());
    if (std::find(clean_domains.begin(), clean_domains.end(), *d) == clean_domains.end()) {
      clean_domains.push_back(*d);
    }
  }
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<OrganizationSummary> {
    if (auto free = check_name_free(c, *clean, std::nullopt); !free) {
      return std::unexpected(free.error());
    }
    auto inserted = c.query_one(
        "INSERT INTO organizations (name, name_key, created_at) VALUES ($1, $2, $3) RETURNING id",
        Params(*clean, lower(*clean), now));
    if (!inserted) return std::unexpected(inserted.error());
    std::int64_t id = inserted->integer(0);
    for (const auto& domain : clean_domains) {
      if (auto added = insert_domain(c, id, domain); !added) return std::unexpected(added.error());
    }
    return load_organization(c, id);
  });
}

Result<OrganizationDetail> get_organization(Env& env, const Actor& actor, std::int64_t id) {
  if (auto ok = require_admin(actor, "Only admins can manage organizations."); !ok) {
    return std::unexpected(ok.error());
  }
  return env.db.with_connection([&](Connection& c) -> Result<OrganizationDetail> {
    OrganizationDetail detail;
    auto org = load_organization(c, id);
    if (!org) return std::unexpected(org.error());
    detail.organization = std::move(*org);
    auto rows = c.query(
        "SELECT id, name, email, password_hash IS NOT NULL, is_active, is_key_contact "
        "FROM users WHERE organization_id = $1 ORDER BY lower(name), id LIMIT $2",
        Params(id, kMaxListedMembers + 1));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) {
      if (detail.members.size() == static_cast<std::size_t>(kMaxListedMembers)) {
        detail.more_members = true;
        break;
      }
      detail.members.push_back(OrganizationMember{r.integer(0), r.text(1), r.text(2),
                                                  r.integer(3) != 0, r.integer(4) != 0,
                                                  r.integer(5) != 0});
    }
    return detail;
  });
}

Result<void> rename_organization(Env& env, const Actor& actor, std::int64_t id,
                                 std::string_view name) {
  if (auto ok = require_admin(actor, "Only admins can rename organizations."); !ok) {
    return std::unexpected(ok.error());
  }
  auto clean = clean_organization_name(name);
  if (!clean) return std::unexpected(clean.error());
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto org = load_organization(c, id);
    if (!org) return std::unexpected(org.error());
    if (auto free = check_name_free(c, *clean, id); !free) return std::unexpected(free.error());
    auto updated = c.execute("UPDATE organizations SET name = $1, name_key = $2 WHERE id = $3",
                             Params(*clean, lower(*clean), id));
    if (!updated) return std::unexpected(updated.error());
    return {};
  });
}

Result<void> add_organization_domain(Env& env, const Actor& actor, std::int64_t id,
                                     std::string_view domain) {
  if (auto ok = require_admin(actor, "Only admins can change organizations."); !ok) {
    return std::unexpected(ok.error());
  }
  auto clean = normalize_domain(domain);
  if (!clean) return std::unexpected(clean.error());
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto org = load_organization(c, id);
    if (!org) return std::unexpected(org.error());
    return insert_domain(c, id, *clean);
  });
}

Result<void> remove_organization_domain(Env& env, const Actor& actor, std::int64_t id,
                                        std::string_view domain) {
  if (auto ok = require_admin(actor, "Only admins can change organizations."); !ok) {
    return std::unexpected(ok.error());
  }
  std::string clean = lower(trim(domain));
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto org = load_organization(c, id);
    if (!org) return std::unexpected(org.error());
    auto removed =
        c.execute("DELETE FROM organization_domains WHERE organization_id = $1 AND domain = $2",
                  Params(id, clean));
    if (!removed) return std::unexpected(removed.error());
    if (*removed == 0) {
      return fail(ErrorCode::kNotFound, fmt::format("{} has no domain {}.", org->name, clean));
    }
    return {};
  });
}

Result<void> set_key_contact(Env& env, const Actor& actor, std::int64_t organization_id,
                             std::int64_t user_id, bool key_contact) {
  if (auto ok = require_admin(actor, "Only admins can choose key contacts."); !ok) {
    return std::unexpected(ok.error());
  }
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto org = load_organization(c, organization_id);
    if (!org) return std::unexpected(org.error());
    auto user = load_user(c, user_id);
    if (!user) return std::unexpected(user.error());
    if (user->role != domain::Role::kCustomer || user->organization_id != organization_id) {
      return fail(ErrorCode::kNotFound,
                  fmt::format("{} is not a customer of {}.", user->name, org->name));
    }
    auto updated = c.execute("UPDATE users SET is_key_contact = $1, updated_at = $2 WHERE id = $3",
                             Params(key_contact ? 1 : 0, now, user_id));
    if (!updated) return std::unexpected(updated.error());
    return {};
  });
}

// ---- People ---------------------------------------------------------------------------------

Result<UserPage> search_users(Env& env, const Actor& actor, const UserQuery& query) {
  if (auto ok = require_staff(actor); !ok) return std::unexpected(ok.error());
  std::string text = lower(trim(query.text));
  if (text.size() > 200) {
    return fail(ErrorCode::kInvalidArgument, "The search is too long.", "q");
  }
  UserPage page;
  page.per_page = std::clamp(query.per_page, 1, 100);
  page.page = std::clamp(query.page, 1, 1'000'000);
  std::string role = query.role ? std::string(domain::role_slug(*query.role)) : std::string();
  std::int64_t organization = query.organization_id.value_or(0);
  std::string pattern = like_pattern(text);
  return env.db.with_connection([&](Connection& c) -> Result<UserPage> {
    auto count = c.query_one(fmt::format("SELECT COUNT(*){}", kUserFilter),
                             Params(text, pattern, role, organization));
    if (!count) return std::unexpected(count.error());
    page.total = count->integer(0);
    auto rows = c.query(fmt::format("SELECT {}{} ORDER BY lower(u.name), u.id LIMIT $5 OFFSET $6",
                                    kUserColumns, kUserFilter),
                        Params(text, pattern, role, organization, page.per_page,
                               static_cast<std::int64_t>(page.page - 1) * page.per_page));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) page.users.push_back(user_from_row(r));
    if (auto teams = load_teams(c, page.users); !teams) return std::unexpected(teams.error());
    return page;
  });
}

Result<UserSummary> get_user(Env& env, const Actor& actor, std::int64_t id) {
  if (auto ok = require_staff(actor); !ok) return std::unexpected(ok.error());
  return env.db.with_connection([&](Connection& c) { return load_user(c, id); });
}

Result<UserSummary> update_user(Env& env, const Actor& actor, std::int64_t id,
                                const UserUpdate& update) {
  if (auto ok = require_admin(actor, "Only admins can change people's roles and teams."); !ok) {
    return std::unexpected(ok.error());
  }
  // Validate.
  std::string name = trim(update.name);
  if (name.empty()) return fail(ErrorCode::kInvalidArgument, "Enter the person's name.", "name");
  if (name.size() > kMaxNameLength) {
    return fail(ErrorCode::kInvalidArgument, "The name is too long (200 characters at most).",
                "name");
  }
  auto role = domain::role_from_slug(lower(trim(update.role)));
  if (!role) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("There is no role '{}': use customer, agent or admin.", update.role),
                "role");
  }
  auto teams = parse_teams(update.teams);
  if (!teams) return std::unexpected(teams.error());
  std::optional<std::int64_t> organization_id;
  if (*role == domain::Role::kCustomer) {
    if (!teams->empty()) {
      return fail(ErrorCode::kInvalidArgument, "Customers do not belong to teams.", "teams");
    }
    if (!update.organization_id) {
      return fail(ErrorCode::kInvalidArgument, "Choose the customer's organization.",
                  "organization");
    }
    organization_id = update.organization_id;
  } else if (teams->empty()) {
    return fail(ErrorCode::kInvalidArgument, "Choose at least one team for an agent or admin.",
                "teams");
  }
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<UserSummary> {
    // Load.
    auto user = load_user(c, id);
    if (!user) return std::unexpected(user.error());
    if (organization_id) {
      auto org =
          c.query_optional("SELECT id FROM organizations WHERE id = $1", Params(*organization_id));
      if (!org) return std::unexpected(org.error());
      if (!*org) {
        return fail(ErrorCode::kInvalidArgument, "Choose an organization from the list.",
                    "organization");
      }
    }
    // Policy.
    if (*role != user->role) {
      if (actor.user_id && *actor.user_id == id) {
        return fail(ErrorCode::kFailedPrecondition,
                    "You cannot change your own role; ask another admin.", "role");
      }
      if (*role != domain::Role::kAdmin) {
        if (auto kept = keep_an_admin(c, *user); !kept) return std::unexpected(kept.error());
      }
    }
    // Change.
    bool same_organization = organization_id == user->organization_id;
    bool key_contact = *role == domain::Role::kCustomer && same_organization && user->key_contact;
    auto updated = c.execute(
        "UPDATE users SET name = $1, role = $2, organization_id = $3, is_key_contact = $4, "
        "updated_at = $5 WHERE id = $6",
        Params(name, domain::role_slug(*role), organization_id, key_contact ? 1 : 0, now, id));
    if (!updated) return std::unexpected(updated.error());
    auto cleared = c.execute("DELETE FROM user_teams WHERE user_id = $1", Params(id));
    if (!cleared) return std::unexpected(cleared.error());
    for (auto team : *teams) {
      auto added = c.execute("INSERT INTO user_teams (user_id, team) VALUES ($1, $2)",
                             Params(id, domain::to_code(team)));
      if (!added) return std::unexpected(added.error());
    }
    return load_user(c, id);
  });
}

Result<void> deactivate_user(Env& env, const Actor& actor, std::int64_t id) {
  if (auto ok = require_admin(actor, "Only admins can deactivate people."); !ok) {
    return std::unexpected(ok.error());
  }
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto user = load_user(c, id);
    if (!user) return std::unexpected(user.error());
    if (actor.user_id && *actor.user_id == id) {
      return fail(ErrorCode::kFailedPrecondition, "You cannot deactivate yourself.");
    }
    if (!user->active) return {};
    if (auto kept = keep_an_admin(c, *user); !kept) return std::unexpected(kept.error());
    auto updated =
        c.execute("UPDATE users SET is_active = 0, updated_at = $1 WHERE id = $2", Params(now, id));
    if (!updated) return std::unexpected(updated.error());
    auto ended = c.execute("DELETE FROM sessions WHERE user_id = $1", Params(id));
    if (!ended) return std::unexpected(ended.error());
    return {};
  });
}

Result<void> reactivate_user(Env& env, const Actor& actor, std::int64_t id) {
  if (auto ok = require_admin(actor, "Only admins can reactivate people."); !ok) {
    return std::unexpected(ok.error());
  }
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto user = load_user(c, id);
    if (!user) return std::unexpected(user.error());
    if (user->active) return {};
    auto updated =
        c.execute("UPDATE users SET is_active = 1, updated_at = $1 WHERE id = $2", Params(now, id));
    if (!updated) return std::unexpected(updated.error());
    return {};
  });
}

}  // namespace portico::app
