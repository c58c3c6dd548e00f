#pragma once
// Accounts: invitations with a Create password link, login and sessions, password reset and
// change, and the profile. Tokens in links and cookies are random, single-use where it applies,
// expire, and are stored only as SHA-256 hashes; passwords only as argon2id hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/app/env.hpp"
#include "portico/core/result.hpp"
#include "portico/domain/policy.hpp"
#include "portico/domain/role.hpp"
#include "portico/domain/status.hpp"

namespace portico::app {

inline constexpr std::int64_t kInvitationLifetime = 7 * 86'400;
inline constexpr std::int64_t kPasswordResetLifetime = 2 * 3'600;
inline constexpr std::int64_t kSessionIdleLifetime = 14 * 86'400;
inline constexpr std::int64_t kSessionAbsoluteLifetime = 30 * 86'400;

// The logged-in person, as loaded for each request from the session cookie.
struct SessionUser {
  std::int64_t id = 0;
  std::int64_t session_id = 0;
  std::string email;
  std::string name;
  domain::Role role = domain::Role::kCustomer;
  std::optional<std::int64_t> organization_id;
  std::string organization_name;
  bool is_key_contact = false;
  std::vector<domain::Team> teams;
  std::string time_zone = "UTC";
  std::string csrf_token;  // bound to the session; every form of this user carries it

  bool is_staff() const { return domain::is_staff(role); }
  bool is_admin() const { return role == domain::Role::kAdmin; }
  // The permission-relevant view of this user (see domain/policy.hpp).
  domain::Actor actor() const;
};

// A session just created: the token goes into the cookie, only its hash into the database.
struct NewSession {
  std::string token;
  std::string csrf_token;
  std::int64_t user_id = 0;
  domain::Role role = domain::Role::kCustomer;
};

// kUnauthenticated if the token is unknown, expired (idle or absolute) or the user deactivated.
[[nodiscard]] Result<SessionUser> authenticate(Env& env, std::string_view session_token);

// kUnauthenticated with one message for every failure (unknown e-mail, wrong password, no
// password yet, deactivated) so the answer never tells whether an address has an account.
[[nodiscard]] Result<NewSession> login(Env& env, std::string_view email, std::string_view password,
                                       std::string_view ip, std::string_view user_agent);
[[nodiscard]] Result<void> logout(Env& env, std::string_view session_token);
[[nodiscard]] Result<void> logout_everywhere(Env& env, std::int64_t user_id);

enum class TokenPurpose { kInvitation, kPasswordReset };

// Who is inviting: a logged-in user, or the system (CLI).
struct Inviter {
  std::optional<std::int64_t> user_id;  // none: the command line
  domain::Role role = domain::Role::kAdmin;
  std::string name;
};

struct InviteInput {
  std::string email;
  std::string name;
  std::string organization;        // organization name (customers)
  std::string role = "customer";   // customer, agent, admin
  std::vector<std::string> teams;  // team slugs (agents and admins)
};

struct Invitation {
  std::int64_t user_id = 0;
  std::string email;
  std::string link;  // the Create password link (also in the e-mail)
};

// Creates the person (or updates a not-yet-registered one) and e-mails a Create password link;
// any earlier unused link for them stops working. Agents may invite customers only.
[[nodiscard]] Result<Invitation> invite(Env& env, const Inviter& inviter, const InviteInput& input);
[[nodiscard]] Result<Invitation> resend_invitation(Env& env, const Inviter& inviter,
                                                   std::int64_t user_id);

struct TokenHolder {
  std::int64_t user_id = 0;
  std::string email;
  std::string name;
};

// Checks a link's token without using it. kNotFound (unknown or forged), kFailedPrecondition
// with a message saying whether it expired or was already used.
[[nodiscard]] Result<TokenHolder> check_token(Env& env, std::string_view token,
                                              TokenPurpose purpose);

// Uses the token: sets the password (policy-checked), marks the token used, ends the user's
// other sessions and starts a new one.
[[nodiscard]] Result<NewSession> redeem_token(Env& env, std::string_view token,
                                              TokenPurpose purpose, std::string_view password,
                                              std::string_view confirm, std::string_view ip,
                                              std::string_view user_agent);

// E-mails a reset link if the address belongs to an active registered user; succeeds the same
// way either way.
[[nodiscard]] Result<void> request_password_reset(Env& env, std::string_view email);

// Needs the current password; ends every session and returns a fresh one.
[[nodiscard]] Result<NewSession> change_password(Env& env, const SessionUser& user,
                                                 std::string_view current,
                                                 std::string_view password,
                                                 std::string_view confirm, std::string_view ip,
                                                 std::string_view user_agent);

[[nodiscard]] Result<void> update_profile(Env& env, const SessionUser& user, std::string_view name,
                                          std::string_view time_zone);

// Lower-cased, trimmed e-mail; kInvalidArgument (field "email") when it is not an address.
[[nodiscard]] Result<std::string> normalize_email(std::string_view email);

}  // namespace portico::app
