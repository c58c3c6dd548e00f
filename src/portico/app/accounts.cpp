#include "portico/app/accounts.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "portico/core/crypto.hpp"
#include "portico/domain/password_policy.hpp"
#include "portico/mail/outbox.hpp"
#include "portico/mail/templates.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Connection;
using storage::Params;

constexpr std::string_view kLoginFailed = "The e-mail address or password is not right.";

std::string_view purpose_slug(TokenPurpose purpose) {
  return purpose == TokenPurpose::kInvitation ? "invitation" : "password_reset";
}

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

Result<NewSession> start_session(Connection& c, std::int64_t user_id, domain::Role role,
                                 std::int64_t now, std::string_view ip,
                                 std::string_view user_agent) {
  NewSession session{crypto::random_token(32), crypto::random_token(32), user_id, role};
  auto inserted = c.execute(
      "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, "
      "expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
      Params(crypto::sha256_hex(session.token), user_id, session.csrf_token, now,
             now + kSessionAbsoluteLifetime, std::string(ip),
             std::string(user_agent.substr(0, 300))));
  if (!inserted) return std::unexpected(inserted.error());
  auto touched =
      c.execute("UPDATE users SET last_login_at = $1 WHERE id = $2", Params(now, user_id));
  if (!touched) return std::unexpected(touched.error());
  return session;
}

// Issues a new link token for the user, replacing any unused one of the same purpose.
Result<std::string> issue_token(Connection& c, std::int64_t user_id, TokenPurpose purpose,
                                std::int64_t now) {
  auto removed =
      c.execute("DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
                Params(user_id, purpose_slug(purpose)));
  if (!removed) return std::unexpected(removed.error());
  std::string token = crypto::random_token(32);
  std::int64_t lifetime =
      purpose == TokenPurpose::kInvitation ? kInvitationLifetime : kPasswordResetLifetime;
  auto inserted = c.execute(
      "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5)",
      Params(crypto::sha256_hex(token), user_id, purpose_slug(purpose), now, now + lifetime));
  if (!inserted) return std::unexpected(inserted.error());
  return token;
}

std::string link_for(const Env& env, TokenPurpose purpose, std::string_view token) {
  return fmt::format("{}/{}?token={}", env.base_url,
                     purpose == TokenPurpose::kInvitation ? "create-password" : "reset-password",
                     token);
}

struct UserRow {
  std::int64_t id;
  std::string email;
  std::string name;
  std::string role;
  bool registered;
  bool active;
  std::string organization_name;
};

Result<std::optional<UserRow>> find_user_by_email(Connection& c, const std::string& email_key) {
  auto row = c.query_optional(
      "SELECT u.id, u.email, u.name, u.role, u.password_hash IS NOT NULL, u.is_active, "
      "COALESCE(o.name, '') FROM users u LEFT JOIN organizations o ON o.id = u.organization_id "
      "WHERE u.email_key = $1",
      Params(email_key));
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<UserRow>{};
  const auto& r = **row;
  return std::optional<UserRow>(UserRow{r.integer(0), r.text(1), r.text(2), r.text(3),
                                        r.integer(4) != 0, r.integer(5) != 0, r.text(6)});
}

Result<void> send_invitation_mail(Env& env, Connection& c, const Inviter& inviter,
                                  const UserRow& user, const std::string& link) {
  kainjow::mustache::data data;
  data.set("product_name", env.product_name);
  data.set("name", user.name);
  data.set("inviter_name", inviter.name.empty() ? std::string("The support team") : inviter.name);
  data.set("organization_name", user.organization_name);
  data.set("link", link);
  data.set("expires_in_days", std::to_string(kInvitationLifetime / 86'400));
  auto mail = env.mail.render("invitation", user.email, user.name, data);
  if (!mail) return std::unexpected(mail.error());
  auto queued = mail::enqueue(c, *mail, env.now());
  if (!queued) return std::unexpected(queued.error());
  return {};
}

Result<std::vector<domain::Team>> parse_teams(const std::vector<std::string>& slugs) {
  std::vector<domain::Team> teams;
  for (const auto& slug : slugs) {
    if (slug.empty()) continue;
    auto team = domain::team_from_slug(lower(trim(slug)));
    if (!team) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("There is no team '{}'. The teams are support, product, technical, "
                              "development and deployment.",
                              slug),
                  "teams");
    }
    if (std::find(teams.begin(), teams.end(), *team) == teams.end()) teams.push_back(*team);
  }
  return teams;
}

}  // namespace

domain::Actor SessionUser::actor() const {
  domain::Actor a;
  a.user_id = id;
  a.role = role;
  a.organization_id = organization_id;
  for (auto team : teams) a.teams.insert(team);
  return a;
}

Result<std::string> normalize_email(std::string_view email) {
  std::string key = lower(trim(email));
  if (key.empty()) return fail(ErrorCode::kInvalidArgument, "Enter an e-mail address.", "email");
  if (key.size() > 254 || !mail::is_valid_address(key)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not an e-mail address.", trim(email)), "email");
  }
  return key;
}

Result<SessionUser> authenticate(Env& env, std::string_view session_token) {
  if (session_token.empty() || session_token.size() > 128) {
    return fail(ErrorCode::kUnauthenticated, "Please log in.");
  }
  std::int64_t now = env.now();
  return env.db.with_connection([&](Connection& c) -> Result<SessionUser> {
    auto row = c.query_optional(
        "SELECT s.id, s.last_seen_at, s.expires_at, s.csrf_token, u.id, u.email, u.name, "
        "u.role, u.organization_id, COALESCE(o.name, ''), u.is_key_contact, u.time_zone, "
        "u.is_active FROM sessions s JOIN users u ON u.id = s.user_id "
        "LEFT JOIN organizations o ON o.id = u.organization_id WHERE s.token_hash = $1",
        Params(crypto::sha256_hex(session_token)));
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(ErrorCode::kUnauthenticated, "Please log in.");
    const auto& r = **row;
    if (r.integer(2) <= now || r.integer(1) + kSessionIdleLifetime <= now || r.integer(12) == 0) {
      auto removed = c.execute("DELETE FROM sessions WHERE id = $1", Params(r.integer(0)));
      (void)removed;
      return fail(ErrorCode::kUnauthenticated, "Your session has ended. Please log in again.");
    }
    SessionUser user;
    user.session_id = r.integer(0);
    user.csrf_token = r.text(3);
    user.id = r.integer(4);
    user.email = r.text(5);
    user.name = r.text(6);
    user.role = domain::role_from_slug(r.text(7)).value_or(domain::Role::kCustomer);
    user.organization_id = r.opt_integer(8);
    user.organization_name = r.text(9);
    user.is_key_contact = r.integer(10) != 0;
    user.time_zone = r.text(11);
    if (user.is_staff()) {
      auto teams =
          c.query("SELECT team FROM user_teams WHERE user_id = $1 ORDER BY team", Params(user.id));
      if (!teams) return std::unexpected(teams.error());
      for (const auto& t : *teams) {
        if (auto team = domain::team_from_code(static_cast<int>(t.integer(0)))) {
          user.teams.push_back(*team);
        }
      }
    }
    // Record activity at most every five minutes: sessions are read on every request.
    if (r.integer(1) + 300 <= now) {
      auto touched = c.execute("UPDATE sessions SET last_seen_at = $1 WHERE id = $2",
                               Params(now, user.session_id));
      (void)touched;  // a busy database must not turn a page view into an error
    }
    return user;
  });
}

Result<NewSession> login(Env& env, std::string_view email, std::string_view password,
                         std::string_view ip, std::string_view user_agent) {
  std::string key = lower(trim(email));
  auto found = env.db.with_connection([&](Connection& c) -> Result<std::optional<storage::Row>> {
    return c.query_optional(
        "SELECT id, password_hash, is_active, role FROM users WHERE email_key = $1", Params(key));
  });
  if (!found) return std::unexpected(found.error());
  // Verify against a dummy hash when there is no usable account, so timing does not tell.
  static const std::string dummy = crypto::hash_password("portico-timing-equaliser").value_or("");
  bool usable = *found && !(*found)->is_null(1) && (*found)->integer(2) != 0;
  std::string hash = usable ? (*found)->text(1) : dummy;
  bool ok = crypto::verify_password(hash, password);
  if (!usable || !ok) return fail(ErrorCode::kUnauthenticated, std::string(kLoginFailed));
  std::int64_t user_id = (*found)->integer(0);
  auto role = domain::role_from_slug((*found)->text(3)).value_or(domain::Role::kCustomer);
  return env.db.transaction(
      [&](Connection& c) { return start_session(c, user_id, role, env.now(), ip, user_agent); });
}

Result<void> logout(Env& env, std::string_view session_token) {
  return env.db.with_connection([&](Connection& c) -> Result<void> {
    auto removed = c.execute("DELETE FROM sessions WHERE token_hash = $1",
                             Params(crypto::sha256_hex(session_token)));
    if (!removed) return std::unexpected(removed.error());
    return {};
  });
}

Result<void> logout_everywhere(Env& env, std::int64_t user_id) {
  return env.db.with_connection([&](Connection& c) -> Result<void> {
    auto removed = c.execute("DELETE FROM sessions WHERE user_id = $1", Params(user_id));
    if (!removed) return std::unexpected(removed.error());
    return {};
  });
}

Result<Invitation> invite(Env& env, const Inviter& inviter, const InviteInput& input) {
  auto email = normalize_email(input.email);
  if (!email) return std::unexpected(email.error());
  std::string name = trim(input.name);
  if (name.size() > 200) return fail(ErrorCode::kInvalidArgument, "The name is too long.", "name");
  auto role = domain::role_from_slug(lower(trim(input.role)));
  if (!role) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("There is no role '{}': use customer, agent or admin.", input.role),
                "role");
  }
  if (inviter.role == domain::Role::kCustomer) {
    return fail(ErrorCode::kPermissionDenied, "Only support staff can invite people.");
  }
  if (inviter.role == domain::Role::kAgent && *role != domain::Role::kCustomer) {
    return fail(ErrorCode::kPermissionDenied, "Agents can invite customers only.", "role");
  }
  auto teams = parse_teams(input.teams);
  if (!teams) return std::unexpected(teams.error());
  if (*role == domain::Role::kCustomer && !teams->empty()) {
    return fail(ErrorCode::kInvalidArgument, "Customers do not belong to teams.", "teams");
  }
  if (*role != domain::Role::kCustomer && teams->empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "Choose at least one team (support, product, technical, development, "
                "deployment) for an agent.",
                "teams");
  }
  std::string organization = trim(input.organization);
  if (*role == domain::Role::kCustomer && organization.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Choose the customer's organization.", "organization");
  }
  if (name.empty()) name = email->substr(0, email->find('@'));

  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<Invitation> {
    std::optional<std::int64_t> org_id;
    if (!organization.empty()) {
      auto org = c.query_optional("SELECT id FROM organizations WHERE name_key = $1",
                                  Params(lower(organization)));
      if (!org) return std::unexpected(org.error());
      if (!*org) {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("There is no organization named '{}'. Create it first (admin "
                                "area, or `portico org create \"{}\"`).",
                                organization, organization),
                    "organization");
      }
      org_id = (*org)->integer(0);
    }
    auto existing = find_user_by_email(c, *email);
    if (!existing) return std::unexpected(existing.error());
    std::int64_t user_id;
    if (*existing) {
      if ((*existing)->registered) {
        return fail(ErrorCode::kConflict,
                    fmt::format("{} already has an account. They can use \"Forgot password\" "
                                "if they cannot log in.",
                                *email),
                    "email");
      }
      user_id = (*existing)->id;
      if (inviter.role == domain::Role::kAgent && (*existing)->role != "customer") {
        return fail(ErrorCode::kPermissionDenied, "Agents can invite customers only.", "role");
      }
      auto updated = c.execute(
          "UPDATE users SET name = $1, role = $2, organization_id = $3, is_active = 1, "
          "updated_at = $4 WHERE id = $5",
          Params(name, domain::role_slug(*role), org_id, now, user_id));
      if (!updated) return std::unexpected(updated.error());
      auto cleared = c.execute("DELETE FROM user_teams WHERE user_id = $1", Params(user_id));
      if (!cleared) return std::unexpected(cleared.error());
    } else {
      auto inserted = c.query_one(
          "INSERT INTO users (email, email_key, name, role, organization_id, created_at, "
          "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
          Params(trim(input.email), *email, name, domain::role_slug(*role), org_id, now));
      if (!inserted) return std::unexpected(inserted.error());
      user_id = inserted->integer(0);
    }
    for (auto team : *teams) {
      auto added = c.execute("INSERT INTO user_teams (user_id, team) VALUES ($1, $2)",
                             Params(user_id, domain::to_code(team)));
      if (!added) return std::unexpected(added.error());
    }
    auto token = issue_token(c, user_id, TokenPurpose::kInvitation, now);
    if (!token) return std::unexpected(token.error());
    std::string link = link_for(env, TokenPurpose::kInvitation, *token);
    UserRow row{user_id, trim(input.email), name, std::string(domain::role_slug(*role)), false,
                true,    organization};
    if (org_id) {
      auto org_name = c.query_one("SELECT name FROM organizations WHERE id = $1", Params(*org_id));
      if (!org_name) return std::unexpected(org_name.error());
      row.organization_name = org_name->text(0);
    }
    auto sent = send_invitation_mail(env, c, inviter, row, link);
    if (!sent) return std::unexpected(sent.error());
    return Invitation{user_id, row.email, link};
  });
}

Result<Invitation> resend_invitation(Env& env, const Inviter& inviter, std::int64_t user_id) {
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<Invitation> {
    auto row = c.query_optional(
        "SELECT u.id, u.email, u.name, u.role, u.password_hash IS NOT NULL, u.is_active, "
        "COALESCE(o.name, '') FROM users u LEFT JOIN organizations o ON o.id = u.organization_id "
        "WHERE u.id = $1",
        Params(user_id));
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(ErrorCode::kNotFound, "There is no such person.");
    const auto& r = **row;
    UserRow user{r.integer(0),      r.text(1),         r.text(2), r.text(3),
                 r.integer(4) != 0, r.integer(5) != 0, r.text(6)};
    if (inviter.role == domain::Role::kCustomer ||
        (inviter.role == domain::Role::kAgent && user.role != "customer")) {
      return fail(ErrorCode::kPermissionDenied, "You cannot invite this person.");
    }
    if (user.registered) {
      return fail(ErrorCode::kFailedPrecondition,
                  "This person has already registered; they can use \"Forgot password\".");
    }
    auto token = issue_token(c, user.id, TokenPurpose::kInvitation, now);
    if (!token) return std::unexpected(token.error());
    std::string link = link_for(env, TokenPurpose::kInvitation, *token);
    auto sent = send_invitation_mail(env, c, inviter, user, link);
    if (!sent) return std::unexpected(sent.error());
    return Invitation{user.id, user.email, link};
  });
}

namespace {

Result<TokenHolder> find_token(Connection& c, std::string_view token, TokenPurpose purpose,
                               std::int64_t now) {
  if (token.size() != 64 || token.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return fail(ErrorCode::kNotFound, "This link is not valid.");
  }
  auto row = c.query_optional(
      "SELECT t.user_id, u.email, u.name, t.expires_at, t.used_at, u.is_active "
      "FROM user_tokens t JOIN users u ON u.id = t.user_id "
      "WHERE t.token_hash = $1 AND t.purpose = $2",
      Params(crypto::sha256_hex(token), purpose_slug(purpose)));
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(ErrorCode::kNotFound, "This link is not valid.");
  const auto& r = **row;
  if (!r.is_null(4)) {
    return fail(ErrorCode::kFailedPrecondition, "This link has already been used.");
  }
  if (r.integer(3) <= now) return fail(ErrorCode::kFailedPrecondition, "This link has expired.");
  if (r.integer(5) == 0) {
    return fail(ErrorCode::kFailedPrecondition, "This account has been deactivated.");
  }
  return TokenHolder{r.integer(0), r.text(1), r.text(2)};
}

}  // namespace

Result<TokenHolder> check_token(Env& env, std::string_view token, TokenPurpose purpose) {
  std::int64_t now = env.now();
  return env.db.with_connection([&](Connection& c) { return find_token(c, token, purpose, now); });
}

Result<NewSession> redeem_token(Env& env, std::string_view token, TokenPurpose purpose,
                                std::string_view password, std::string_view confirm,
                                std::string_view ip, std::string_view user_agent) {
  auto holder = check_token(env, token, purpose);
  if (!holder) return std::unexpected(holder.error());
  if (auto ok = domain::check_password(password, confirm, holder->email); !ok) {
    return std::unexpected(ok.error());
  }
  auto hash = crypto::hash_password(password);
  if (!hash) return std::unexpected(hash.error());
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<NewSession> {
    // Re-check inside the transaction: the same link may have been used a moment ago.
    auto again = find_token(c, token, purpose, now);
    if (!again) return std::unexpected(again.error());
    auto used =
        c.execute("UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
                  Params(now, crypto::sha256_hex(token)));
    if (!used) return std::unexpected(used.error());
    if (*used != 1) return fail(ErrorCode::kFailedPrecondition, "This link has already been used.");
    auto updated = c.execute("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
                             Params(*hash, now, again->user_id));
    if (!updated) return std::unexpected(updated.error());
    auto ended = c.execute("DELETE FROM sessions WHERE user_id = $1", Params(again->user_id));
    if (!ended) return std::unexpected(ended.error());
    auto role_row = c.query_one("SELECT role FROM users WHERE id = $1", Params(again->user_id));
    if (!role_row) return std::unexpected(role_row.error());
    auto role = domain::role_from_slug(role_row->text(0)).value_or(domain::Role::kCustomer);
    return start_session(c, again->user_id, role, now, ip, user_agent);
  });
}

Result<void> request_password_reset(Env& env, std::string_view email) {
  auto key = normalize_email(email);
  if (!key) return std::unexpected(key.error());
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto user = find_user_by_email(c, *key);
    if (!user) return std::unexpected(user.error());
    // Unknown, unregistered or deactivated: nothing to send, and the same answer.
    if (!*user || !(*user)->registered || !(*user)->active) return {};
    auto token = issue_token(c, (*user)->id, TokenPurpose::kPasswordReset, now);
    if (!token) return std::unexpected(token.error());
    kainjow::mustache::data data;
    data.set("product_name", env.product_name);
    data.set("name", (*user)->name);
    data.set("link", link_for(env, TokenPurpose::kPasswordReset, *token));
    data.set("expires_in_hours", std::to_string(kPasswordResetLifetime / 3600));
    auto mail = env.mail.render("password_reset", (*user)->email, (*user)->name, data);
    if (!mail) return std::unexpected(mail.error());
    auto queued = mail::enqueue(c, *mail, now);
    if (!queued) return std::unexpected(queued.error());
    return {};
  });
}

Result<NewSession> change_password(Env& env, const SessionUser& user, std::string_view current,
                                   std::string_view password, std::string_view confirm,
                                   std::string_view ip, std::string_view user_agent) {
  auto stored = env.db.with_connection([&](Connection& c) {
    return c.query_one("SELECT password_hash FROM users WHERE id = $1", Params(user.id));
  });
  if (!stored) return std::unexpected(stored.error());
  if (stored->is_null(0) || !crypto::verify_password(stored->text(0), current)) {
    return fail(ErrorCode::kInvalidArgument, "Your current password is not right.",
                "current_password");
  }
  if (auto ok = domain::check_password(password, confirm, user.email); !ok) {
    return std::unexpected(ok.error());
  }
  auto hash = crypto::hash_password(password);
  if (!hash) return std::unexpected(hash.error());
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<NewSession> {
    auto updated = c.execute("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
                             Params(*hash, now, user.id));
    if (!updated) return std::unexpected(updated.error());
    auto ended = c.execute("DELETE FROM sessions WHERE user_id = $1", Params(user.id));
    if (!ended) return std::unexpected(ended.error());
    return start_session(c, user.id, user.role, now, ip, user_agent);
  });
}

Result<void> update_profile(Env& env, const SessionUser& user, std::string_view name,
                            std::string_view time_zone) {
  std::string clean = trim(name);
  if (clean.empty()) return fail(ErrorCode::kInvalidArgument, "Enter your name.", "name");
  if (clean.size() > 200) return fail(ErrorCode::kInvalidArgument, "The name is too long.", "name");
  if (!time::is_valid_zone(time_zone)) {
    return fail(ErrorCode::kInvalidArgument, "Choose a time zone from the list.", "time_zone");
  }
  std::int64_t now = env.now();
  return env.db.with_connection([&](Connection& c) -> Result<void> {
    auto updated =
        c.execute("UPDATE users SET name = $1, time_zone = $2, updated_at = $3 WHERE id = $4",
                  Params(clean, std::string(time_zone), now, user.id));
    if (!updated) return std::unexpected(updated.error());
    return {};
  });
}

}  // namespace portico::app
