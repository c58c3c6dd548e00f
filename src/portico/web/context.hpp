#pragma once
// What a page handler sees of one request: path parameters, the query and form (parsed on first
// use, limits enforced), cookies, the CSRF token, and helpers that render pages into the layout.

#include <optional>
#include <string>
#include <string_view>

#include "portico/app/accounts.hpp"
#include "portico/app/env.hpp"
#include "portico/core/config.hpp"
#include "portico/core/rate_limiter.hpp"
#include "portico/http/forms.hpp"
#include "portico/http/message.hpp"
#include "portico/http/router.hpp"
#include "portico/web/templates.hpp"

namespace portico::storage {
class Database;
}

namespace portico::web {

class StaticFiles;

// Budgets for endpoints that guess-and-check attacks aim at (per IP and per account).
struct Limiters {
  RateLimiter login_ip{20, 30.0};       // 20 at once, then one every 30 s
  RateLimiter login_account{10, 60.0};  // 10 at once, then one a minute
  RateLimiter reset_ip{10, 60.0};
  RateLimiter reset_account{3, 600.0};
  RateLimiter token_ip{30, 10.0};  // Create password / reset password links
  RateLimiter invite_user{60, 10.0};
};

// Things every handler may use; owned by main() and alive for the whole run.
struct Services {
  const Config& config;
  storage::Database& db;
  const Templates& templates;
  const StaticFiles& assets;
  app::Env& env;
  Limiters& limiters;
};

inline constexpr std::string_view kCsrfCookie = "portico_csrf";
inline constexpr std::string_view kSessionCookie = "portico_session";
inline constexpr std::string_view kCsrfField = "_csrf";

class Context {
 public:
  Context(const Services& services, http::Request& request, http::RouteParams params)
      : services_(services), request_(request), params_(std::move(params)) {}

  const Services& services() const { return services_; }
  const http::Request& request() const { return request_; }
  std::string_view param(std::string_view name) const { return params_.get(name); }

  // The query string; a malformed one is a 400 (the error carries the message).
  Result<const http::Form*> query();
  // The POST body as a form; malformed → 400, over the limits → 413.
  Result<const http::Form*> form();
  std::optional<std::string> cookie(std::string_view name) const;

  // The logged-in user, from the session cookie; null when logged out (or the session ended).
  const app::SessionUser* user();
  // The user, or kUnauthenticated (which sends a browser to the login page and back).
  Result<const app::SessionUser*> require_user();
  // Agents and admins only (kPermissionDenied otherwise).
  Result<const app::SessionUser*> require_staff();
  Result<const app::SessionUser*> require_admin();

  // Starts a session in the browser (after login, registration, password change) and ends it.
  void set_session(const app::NewSession& session);
  void clear_session();

  // Takes one attempt from a limiter: kResourceExhausted (429 with Retry-After) when spent.
  [[nodiscard]] Result<void> take_attempt(RateLimiter& limiter, const std::string& key);

  // The CSRF token for forms on this page: bound to the session when logged in; otherwise the
  // browser's cookie, or a new one that finish() sets on the response.
  const std::string& csrf_token();

  // Renders `name` into the layout with the common page data (title, assets, CSRF token).
  http::Response page(std::string_view name, Data data, std::string_view title, int status = 200);
  // Renders just a template (htmx fragments, mail previews).
  std::string fragment(std::string_view name, const Data& data) const;

  // Adds what every response needs (the CSRF cookie when new). Called by the app once.
  void finish(http::Response& response);

 private:
  const Services& services_;
  http::Request& request_;
  http::RouteParams params_;
  std::optional<http::Form> query_;
  std::optional<http::Form> form_;
  std::optional<std::string> csrf_;
  bool csrf_is_new_ = false;
  bool user_loaded_ = false;
  std::optional<app::SessionUser> user_;
  std::optional<app::NewSession> new_session_;
  bool clear_session_ = false;
};

}  // namespace portico::web
