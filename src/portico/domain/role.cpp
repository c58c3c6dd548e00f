#include "portico/domain/role.hpp"

#include <array>
#include <stdexcept>

namespace portico::domain {
namespace {

struct RoleFacts {
  Role role;
  std::string_view slug;
};
constexpr std::array<RoleFacts, 3> kRoleTable{{
    {Role::kCustomer, "customer"},
    {Role::kAgent, "agent"},
    {Role::kAdmin, "admin"},
}};

}  // namespace

std::string_view role_slug(Role role) {
  for (const RoleFacts& row : kRoleTable) {
    if (row.role == role) return row.slug;
  }
  throw std::out_of_range("portico::domain: invalid Role value");
}

std::optional<Role> role_from_slug(std::string_view slug) {
  for (const RoleFacts& row : kRoleTable) {
    if (row.slug == slug) return row.role;
  }
  return std::nullopt;
}

}  // namespace portico::domain
