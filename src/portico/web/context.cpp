#include "portico/web/context.hpp"

#include <ctime>

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

const std::string& Context::csrf_token() {
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
  data.set("csrf_token", csrf_token());
  std::string body = templates.render(name, data);
  Data layout;
  layout.set("title", std::string(title));
  layout.set("body", body);
  layout.set("css_url", services_.assets.url("portico.css"));
  layout.set("htmx_url", services_.assets.url("vendor/htmx.min.js"));
  layout.set("csrf_token", csrf_token());
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  layout.set("year", std::to_string(utc.tm_year + 1900));
  if (data.get("nav") != nullptr) layout.set("nav", *data.get("nav"));
  return http::Response::html(templates.render("layout", layout), status);
}

std::string Context::fragment(std::string_view name, const Data& data) const {
  return services_.templates.render(name, data);
}

void Context::finish(http::Response& response) {
  if (csrf_is_new_) {
    http::CookieOptions options;
    options.secure = services_.config.base_url.starts_with("https://");
    options.same_site = "Lax";
    http::set_cookie(response, kCsrfCookie, *csrf_, options);
  }
}

}  // namespace portico::web
