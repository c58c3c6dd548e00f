#include "portico/web/app.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "portico/core/crypto.hpp"
#include "portico/web/view_helpers.hpp"

namespace portico::web {

namespace {

struct ErrorText {
  std::string_view title;
  std::string_view message;
};

ErrorText error_text(int status) {
  switch (status) {
    case 400:
      return {"Bad request",
              "The request could not be understood. Check the address or the form and try again."};
    case 401: return {"Please log in", "You need to log in to see this page."};
    case 403: return {"Not allowed", "You do not have permission to do this."};
    case 404:
      return {"Page not found",
              "There is nothing here. The link may be old, or the page may have moved."};
    case 405: return {"Method not allowed", "This address does not accept that kind of request."};
    case 409:
      return {"Conflict",
              "Someone else changed this at the same time. Reload the page and try again."};
    case 413:
      return {"Too large", "What you sent is larger than allowed. Attach smaller or fewer files."};
    case 414: return {"Address too long", "The address of this request is too long."};
    case 429:
      return {"Too many requests", "You are doing that too often. Wait a little and try again."};
    case 431:
      return {"Headers too large",
              "Your browser sent more header data than allowed. Clearing this site's cookies may "
              "help."};
    case 503:
      return {"Busy right now",
              "The service is busy or a part of it is unavailable. Try again in a moment."};
    default: return {"Something went wrong", "An unexpected error happened on our side."};
  }
}

void add_security_headers(http::Response& r) {
  auto set_default = [&](std::string_view name, std::string value) {
    if (!r.headers.has(name)) r.headers.set(name, std::move(value));
  };
  set_default("X-Content-Type-Options", "nosniff");
  set_default("X-Frame-Options", "DENY");
  set_default("Referrer-Policy", "same-origin");
  set_default("Content-Security-Policy",
              "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  auto type = r.headers.get("Content-Type").value_or("");
  if (type.starts_with("text/html")) set_default("Cache-Control", "no-store");
}

bool is_state_changing(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

App::App(Services services) : services_(services) {
  // Status badges on every page explain the status in the wording admins chose.
  show_status_wording(services_.env.status_wording);
  install_system_routes(*this);
  install_help_center_routes(*this);
  install_account_routes(*this);
  install_portal_routes(*this);
  install_desk_routes(*this);
  install_admin_routes(*this);
}

http::Response App::error_page(int status, const http::Request* request, std::string_view message,
                               std::string_view error_id) const {
  auto text = error_text(status);
  std::string shown = message.empty() ? std::string(text.message) : std::string(message);
  http::Response r;
  if (request && request->is_api()) {
    nlohmann::json body = {{"error", {{"status", status}, {"message", shown}}}};
    if (!error_id.empty()) body["error"]["id"] = error_id;
    r = http::Response::json(body.dump(), status);
  } else {
    Data data;
    put(data, "status", std::to_string(status));
    put(data, "title", std::string(text.title));
    put(data, "message", shown);
    if (!error_id.empty()) put(data, "error_id", std::string(error_id));
    Data layout;
    put(layout, "title", std::string(text.title));
    put(layout, "body", services_.templates.render("error", data));
    put(layout, "css_url", "/static/portico.css");
    r = http::Response::html(services_.templates.render("layout", layout), status);
  }
  if (status == 503) r.headers.set("Retry-After", "5");
  if (status >= 400 && request == nullptr) r.headers.set("Connection", "close");
  add_security_headers(r);
  return r;
}

http::Response App::error_response(const Error& error, const http::Request& request) const {
  int status = status_for(error.code);
  if (status == 500) {
    std::string id = crypto::random_token(6);
    spdlog::error("error {} on {} {}: {}", id, request.method, request.path, error.message);
    return error_page(500, &request, {}, id);
  }
  if (status == 503) spdlog::warn("{} {}: {}", request.method, request.path, error.message);
  // A browser that needs to log in is sent to the login page, and back here afterwards.
  if (status == 401 && !request.is_api() && (request.method == "GET" || request.method == "HEAD")) {
    std::string next = request.target;
    return http::Response::redirect("/login?next=" + http::percent_encode(next), 303);
  }
  auto r = error_page(status, &request, error.message);
  if (status == 429) {
    r.headers.set("Retry-After",
                  std::to_string(std::max<std::int64_t>(1, error.retry_after_seconds)));
  }
  return r;
}

http::Response App::handle(http::Request& request) {
  try {
    auto response = dispatch(request);
    add_security_headers(response);
    return response;
  } catch (const std::exception& e) {
    std::string id = crypto::random_token(6);
    spdlog::error("error {} on {} {}: {}", id, request.method, request.path, e.what());
    return error_page(500, &request, {}, id);
  }
}

http::Response App::dispatch(http::Request& request) {
  auto match = router_.match(request.method, request.path);
  if (!match.handler) {
    if (!match.allow.empty()) {
      auto r = error_page(405, &request);
      r.headers.set("Allow", match.allow);
      return r;
    }
    return error_page(404, &request);
  }
  Context context(services_, request, std::move(match.params));
  if (auto query = context.query(); !query) return error_response(query.error(), request);
  // Every state-changing form carries the CSRF token that matches the browser's cookie.
  if (is_state_changing(request.method) && !request.is_api()) {
    auto form = context.form();
    if (!form) return error_response(form.error(), request);
    // Logged in: the token bound to the session. Logged out: the token bound to the cookie.
    std::optional<std::string> expected;
    if (const auto* me = context.user()) {
      expected = me->csrf_token;
    } else {
      expected = context.cookie(kCsrfCookie);
    }
    auto sent = (*form)->get(kCsrfField);
    if (!expected || sent.empty() || !crypto::constant_time_equal(*expected, sent)) {
      auto r = error_page(403, &request,
                          "This form has expired or was not sent from this site. Go back, reload "
                          "the page and try again.");
      context.csrf_token();
      context.finish(r);
      return r;
    }
  }
  auto result = (*match.handler)(context);
  http::Response response = result ? std::move(*result) : error_response(result.error(), request);
  context.finish(response);
  return response;
}

}  // namespace portico::web
