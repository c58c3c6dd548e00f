#pragma once
// The directory: organizations (members, key contacts, e-mail domains) and the people in the admin
// area (search, role, teams, organization, deactivation). Inviting is app::invite (accounts.hpp).
//
// Who may do what, checked here and not only by the pages:
//  - Agents and admins may list organizations and search and view people.
//  - Only admins create, rename and change organizations (domains, key contacts) and change or
//    deactivate people. The command line acts with admin rights.
//  - A customer belongs to exactly one organization and to no team; an agent or admin belongs to
//    no organization and to at least one team.
//  - An admin cannot deactivate themselves or change their own role, and nobody can deactivate
//    or demote the last active, registered admin.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/app/accounts.hpp"
#include "portico/app/env.hpp"
#include "portico/core/result.hpp"
#include "portico/domain/role.hpp"
#include "portico/domain/status.hpp"

namespace portico::app {

// Who is acting on the directory: a logged-in person, or the command line.
struct Actor {
  std::optional<std::int64_t> user_id;  // none: the command line, which has admin rights
  domain::Role role = domain::Role::kAdmin;
  std::string name;

  bool is_admin() const { return role == domain::Role::kAdmin; }
  bool is_staff() const { return domain::is_staff(role); }
  // The same person as the inviter of app::invite.
  Inviter as_inviter() const { return Inviter{user_id, role, name}; }
};

Actor actor_of(const SessionUser& user);
Actor command_line_actor();

// ---- Organizations --------------------------------------------------------------------------

struct OrganizationSummary {
  std::int64_t id = 0;
  std::string name;
  std::int64_t member_count = 0;     // customers in it, registered or not, active or not
  std::vector<std::string> domains;  // lower-case, sorted
  std::int64_t created_at = 0;
};

struct OrganizationMember {
  std::int64_t user_id = 0;
  std::string name;
  std::string email;
  bool registered = false;  // has created a password
  bool active = true;
  bool key_contact = false;
};

struct OrganizationDetail {
  OrganizationSummary organization;
  std::vector<OrganizationMember> members;  // by name; at most kMaxListedMembers
  bool more_members = false;                // true when members was cut at the limit
};

inline constexpr int kMaxListedMembers = 200;

// Every organization by name, with member counts and domains. Staff only.
[[nodiscard]] Result<std::vector<OrganizationSummary>> list_organizations(Env& env,
                                                                          const Actor& actor);

// Creates an organization. The name is unique without regard to case (kConflict, field "name");
// each domain is an e-mail domain such as example.com, lower-cased, owned by one organization
// only (kConflict, field "domains"). Admins only.
[[nodiscard]] Result<OrganizationSummary> create_organization(
    Env& env, const Actor& actor, std::string_view name, const std::vector<std::string>& domains);

// Admins only. kNotFound for an unknown id.
[[nodiscard]] Result<OrganizationDetail> get_organization(Env& env, const Actor& actor,
                                                          std::int64_t id);
[[nodiscard]] Result<void> rename_organization(Env& env, const Actor& actor, std::int64_t id,
                                               std::string_view name);
[[nodiscard]] Result<void> add_organization_domain(Env& env, const Actor& actor, std::int64_t id,
                                                   std::string_view domain);
[[nodiscard]] Result<void> remove_organization_domain(Env& env, const Actor& actor, std::int64_t id,
                                                      std::string_view domain);

// Marks a customer of this organization as a key contact (or not). kNotFound when the person is
// not a customer of this organization.
[[nodiscard]] Result<void> set_key_contact(Env& env, const Actor& actor,
                                           std::int64_t organization_id, std::int64_t user_id,
                                           bool key_contact);

// Lower-cased, trimmed e-mail domain ("@Example.COM " → "example.com"); kInvalidArgument (field
// "domains") when it is not a domain name with at least one dot.
[[nodiscard]] Result<std::string> normalize_domain(std::string_view domain);

// ---- People ---------------------------------------------------------------------------------

// Registered (has a password), invited (not yet) or deactivated (cannot log in).
enum class UserState { kRegistered, kInvited, kDeactivated };
std::string_view user_state_slug(UserState state);  // "registered", "invited", "deactivated"

struct UserSummary {
  std::int64_t id = 0;
  std::string email;
  std::string name;
  domain::Role role = domain::Role::kCustomer;
  std::optional<std::int64_t> organization_id;
  std::string organization_name;
  bool key_contact = false;
  std::vector<domain::Team> teams;  // in code order; empty for customers
  bool registered = false;
  bool active = true;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_login_at;

  UserState state() const {
    if (!active) return UserState::kDeactivated;
    return registered ? UserState::kRegistered : UserState::kInvited;
  }
};

struct UserQuery {
  std::string text;                             // part of the name or e-mail; "" for everyone
  std::optional<domain::Role> role;             // only this role
  std::optional<std::int64_t> organization_id;  // only members of this organization
  int page = 1;                                 // 1-based
  int per_page = 25;                            // clamped to 1..100
};

struct UserPage {
  std::vector<UserSummary> users;  // by name
  std::int64_t total = 0;          // matching people on all pages
  int page = 1;
  int per_page = 25;
  bool has_previous() const { return page > 1; }
  bool has_next() const { return static_cast<std::int64_t>(page) * per_page < total; }
};

// Staff only.
[[nodiscard]] Result<UserPage> search_users(Env& env, const Actor& actor, const UserQuery& query);
// Staff only. kNotFound for an unknown id.
[[nodiscard]] Result<UserSummary> get_user(Env& env, const Actor& actor, std::int64_t id);

struct UserUpdate {
  std::string name;                             // display name, required
  std::string role;                             // customer, agent or admin
  std::optional<std::int64_t> organization_id;  // customers: required; others: ignored
  std::vector<std::string> teams;               // team slugs; agents and admins: at least one
};

// Changes a person's name, role, organization and teams (see the rules at the top). Moving a
// customer to another organization ends their key-contact role. Admins only.
[[nodiscard]] Result<UserSummary> update_user(Env& env, const Actor& actor, std::int64_t id,
                                              const UserUpdate& update);

// Deactivated people cannot log in (their sessions end now) and keep their tickets. Admins only.
[[nodiscard]] Result<void> deactivate_user(Env& env, const Actor& actor, std::int64_t id);
[[nodiscard]] Result<void> reactivate_user(Env& env, const Actor& actor, std::int64_t id);

}  // namespace portico::app
