#pragma once
// Helpers for tests that act as a logged-in person: CSRF tokens from pages, logging in.

#include <regex>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "support/http_client.hpp"

namespace portico::test {

inline constexpr std::string_view kDemoPassword = "portico-demo";

// The first capture of pattern in text, or "".
inline std::string first_match(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex(pattern)) && match.size() > 1) return match[1];
  return {};
}

inline std::string csrf_in(const std::string& page) {
  return first_match(page, R"re(name="_csrf" value="([0-9a-f]{64})")re");
}

// Logs the client in with the demo password; returns the CSRF token of the new session.
inline std::string log_in(HttpClient& client, std::string_view email,
                          std::string_view password = kDemoPassword) {
  auto form = client.get("/login");
  std::string csrf = csrf_in(form.body);
  EXPECT_FALSE(csrf.empty()) << "no CSRF token on /login";
  auto done = client.post_form("/login", {{"_csrf", csrf},
                                          {"email", std::string(email)},
                                          {"password", std::string(password)},
                                          {"next", "/tickets"}});
  EXPECT_EQ(done.status, 303) << "login as " << email << " failed: " << done.body.substr(0, 300);
  auto page = client.get("/account");
  std::string session_csrf = csrf_in(page.body);
  EXPECT_FALSE(session_csrf.empty()) << "not logged in as " << email;
  return session_csrf;
}

}  // namespace portico::test
