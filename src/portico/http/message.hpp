#pragma once
// Plain request/response values. Only http/server.cpp knows Boost.Beast; everything above it
// (router, forms, pages) works on these types, so it compiles fast and tests without sockets.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::http {

// Header names compare case-insensitively; insertion order is kept.
class Headers {
 public:
  void add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }
  void set(std::string_view name, std::string value);  // replaces every header of that name
  void remove(std::string_view name);
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Request {
  std::string method;  // upper-case, e.g. "GET"
  std::string target;  // as sent: path plus optional query
  std::string path;    // percent-decoded path
  std::string query;   // raw query string (after '?'), not decoded
  Headers headers;
  std::string body;
  std::string remote_address;  // peer IP address
  bool keep_alive = true;

  std::string_view header(std::string_view name) const { return headers.get(name).value_or(""); }
  // True for /api/… requests, which get JSON errors instead of pages.
  bool is_api() const { return path.starts_with("/api/"); }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response html(std::string body, int status = 200);
  static Response text(std::string body, int status = 200);
  static Response json(std::string body, int status = 200);
  // 303 See Other after a POST (the browser follows with GET), 302/307/308 where asked.
  static Response redirect(std::string location, int status = 303);
  // A file served as a download: Content-Disposition attachment with a safe filename.
  static Response download(std::string bytes, std::string_view filename,
                           std::string_view content_type);
};

struct CookieOptions {
  std::string path = "/";
  std::int64_t max_age = -1;  // seconds; -1 for a session cookie, 0 to delete
  bool http_only = true;
  bool secure = false;
  std::string same_site = "Lax";
};

// Adds a Set-Cookie header (name and value must be cookie-safe: the callers use hex/base64url).
void set_cookie(Response& response, std::string_view name, std::string_view value,
                const CookieOptions& options = {});

std::string_view reason_phrase(int status);

// Percent-decodes a path or query component ('+' is a space only when plus_is_space).
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);
std::string percent_encode(std::string_view in);

}  // namespace portico::http
