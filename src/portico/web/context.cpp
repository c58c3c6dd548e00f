#include "portico/web/context.hpp"

#include <ctime>
#include <stdexcept>

#include "portico/core/crypto.hpp"
#include "portico/web/static_files.hpp"

namespace portico::web {

Result<const http::Form*> Context::query() {
  if (!query_) {
    auto parsed = http::parse_query(request_.query);
    if (!parsed) return std::unexpected(parsed.error());
    query_ = std::move(*parsed);
  }
  return &*query_;
}

Result<const http::Form*> Context::form() {
  if (!form_) {
    http::FormLimits limits;
    auto parsed = http::parse_form(request_, limits);
    if (!parsed) return std::unexpected(parsed.error());
    form_ = std::move(*parsed);
  }
  return &*form_;
}

std::optional<std::string> Context::cookie(std::string_view name) const {
  for (auto& [key, value] : http::parse_cookies(request_.header("Cookie"))) {
    if (key == name) return value;
  }
  return std::nullopt;
}

const app::SessionUser* Context::user() {
  if (!user_loaded_) {
    user_loaded_ = true;
    if (auto token = cookie(kSessionCookie)) {
      auto found = app::authenticate(services_.env, *token);
      if (found) {
        user_ = std::move(*found);
      } else if (found.error().code == ErrorCode::kUnauthenticated) {
        clear_session_ = true;  // stale cookie: remove it
      } else {
        throw std::runtime_error("session lookup failed: " + found.error().message);
      }
    }
  }
  return user_ ? &*user_ : nullptr;
}

Result<const app::SessionUser*> Context::require_user() {
  if (const auto* u = user()) return u;
  return fail(ErrorCode::kUnauthenticated, "Please log in to see this page.");
}

Result<const app::SessionUser*> Context::require_staff() {
  auto u = require_user();
  if (!u) return u;
  if (!(*u)->is_staff()) {
    return fail(ErrorCode::kPermissionDenied, "This page is for support staff only.");
  }
  return u;
}

Result<const app::SessionUser*> Context::require_admin() {
  auto u = require_user();
  if (!u) return u;
  if (!(*u)->is_admin()) return fail(ErrorCode::kPermissionDenied, "This page is for admins only.");
  return u;
}

void Context::set_session(const app::NewSession& session) {
  new_session_ = session;
  clear_session_ = false;
  csrf_ = session.csrf_token;
  csrf_is_new_ = false;
}

void Context::clear_session() {
  new_session_.reset();
  user_.reset();
  user_loaded_ = true;
  clear_session_ = true;
  csrf_.reset();
}

Result<void> Context::take_attempt(RateLimiter& limiter, const std::string& key) {
  auto wait = limiter.acquire(key, static_cast<double>(services_.env.now()));
  if (wait == 0) return {};
  Error error{ErrorCode::kResourceExhausted,
              "Too many attempts. Please wait a little and try again.",
              {},
              wait};
  return std::unexpected(std::move(error));
}

const std::string& Context::csrf_token() {
  if (!csrf_ && user()) csrf_ = user_->csrf_token;
  if (!csrf_) {
    auto existing = cookie(kCsrfCookie);
    // Only well-formed tokens are reused: 64 hex characters.
    if (existing && existing->size() == 64 &&
        existing->find_first_not_of("0123456789abcdef") == std::string::npos) {
      csrf_ = *existing;
    } else {
      csrf_ = crypto::random_token(32);
      csrf_is_new_ = true;
    }
  }
  return *csrf_;
}

http::Response Context::page(std::string_view name, Data data, std::string_view title, int status) {
  const auto& templates = services_.templates;
  put(data, "csrf_token", csrf_token());
  std::string body = templates.render(name, data);
  const app::SessionUser* me = user();
  Data layout;
  put(layout, "title", std::string(title));
  put(layout, "body", std::move(body));
  put(layout, "css_url", services_.assets.url("portico.css"));
  put(layout, "htmx_url", services_.assets.url("vendor/htmx.min.js"));
  put(layout, "csrf_token", csrf_token());
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  put(layout, "year", std::to_string(utc.tm_year + 1900));
  if (data.get("nav") != nullptr) put(layout, "nav", *data.get("nav"));
  if (me) {
    Data who;
    put(who, "name", me->name);
    put(who, "is_staff", me->is_staff());
    put(who, "is_admin", me->is_admin());
    put(layout, "user", who);
  }
  return http::Response::html(templates.render("layout", layout), status);
}

std::string Context::fragment(std::string_view name, const Data& data) const {
  return services_.templates.render(name, data);
}

void Context::finish(http::Response& response) {
  http::CookieOptions options;
  options.secure = services_.config.base_url.starts_with("https://");
  options.same_site = "Lax";
  if (csrf_is_new_ && csrf_) http::set_cookie(response, kCsrfCookie, *csrf_, options);
  if (new_session_) {
    options.max_age = app::kSessionAbsoluteLifetime;
    http::set_cookie(response, kSessionCookie, new_session_->token, options);
  } else if (clear_session_) {
    options.max_age = 0;
    http::set_cookie(response, kSessionCookie, "", options);
  }
}

}  // namespace portico::web
