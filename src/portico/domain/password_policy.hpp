#pragma once
// What makes a password acceptable. Each failed rule is reported by name and explained, so the
// person choosing a password knows what to change.

#include <string_view>

#include "portico/core/result.hpp"

namespace portico::domain {

inline constexpr std::size_t kMinPasswordLength = 10;
inline constexpr std::size_t kMaxPasswordLength = 256;

// kInvalidArgument with field "password" (or "password_confirm" when the two differ) and a
// message naming the rule: too short, too long, same as the e-mail address (or its name part),
// a commonly used password, or a single repeated character.
[[nodiscard]] Result<void> check_password(std::string_view password, std::string_view confirm,
                                          std::string_view email);

}  // namespace portico::domain
