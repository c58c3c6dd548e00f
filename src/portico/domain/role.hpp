#pragma once
// The kinds of user. A user has exactly one role; agents (and admins) also belong to teams.

#include <cstdint>
#include <optional>
#include <string_view>

namespace portico::domain {

// Codes are not persisted; storage uses the slugs.
enum class Role : std::uint8_t {
  kCustomer,  // belongs to an organization; submits and follows their own tickets
  kAgent,     // works tickets through the workflow
  kAdmin,     // an agent who also manages users, organizations, articles and settings
};

// "customer", "agent", "admin".
std::string_view role_slug(Role role);
std::optional<Role> role_from_slug(std::string_view slug);

// Agents and admins: the staff side of the desk.
constexpr bool is_staff(Role role) { return role == Role::kAgent || role == Role::kAdmin; }

}  // namespace portico::domain
