#include "portico/domain/password_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include <fmt/format.h>

namespace portico::domain {

namespace {

// Passwords of 10+ characters that appear at the top of public breach lists. Shorter ones are
// already refused by the length rule.
constexpr std::array<std::string_view, 48> kCommonPasswords = {
    "1234567890",       "0123456789",   "0987654321",   "qwertyuiop",   "1q2w3e4r5t",
    "1qaz2wsx3edc",     "zaq12wsxcde3", "password1",    "password12",   "password123",
    "password1234",     "passw0rd123",  "qwerty1234",   "qwerty12345",  "qwerty123456",
    "iloveyou123",      "abcdefghij",   "abcd123456",   "abc1234567",   "football123",
    "baseball123",      "welcome123",   "welcome1234",  "letmein123",   "monkey1234",
    "1234qwerty",       "asdfghjkl1",   "asdfghjkl;",   "qazwsxedcrfv", "123456789a",
    "a123456789",       "1234567890a",  "sunshine123",  "princess123",  "starwars123",
    "dragon1234",       "master1234",   "superman123",  "changeme123",  "administrator",
    "trustno1234",      "zxcvbnm123",   "1q2w3e4r5t6y", "qweasdzxc123", "p@ssw0rd123",
    "passwordpassword", "iloveyou1234", "michael1234",
};

std::string lower(std::string_view in) {
  std::string out(in);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<void> check_password(std::string_view password, std::string_view confirm,
                            std::string_view email) {
  if (password.size() < kMinPasswordLength) {
    return fail(
        ErrorCode::kInvalidArgument,
        fmt::format("The password is too short: use at least {} characters.", kMinPasswordLength),
        "password");
  }
  if (password.size() > kMaxPasswordLength) {
    return fail(
        ErrorCode::kInvalidArgument,
        fmt::format("The password is too long: use at most {} characters.", kMaxPasswordLength),
        "password");
  }
  std::string candidate = lower(password);
  std::string address = lower(email);
  std::string local = address.substr(0, address.find('@'));
  if (candidate == address || (!local.empty() && candidate == local)) {
    return fail(ErrorCode::kInvalidArgument, "The password must not be your e-mail address.",
                "password");
  }
  if (std::all_of(candidate.begin(), candidate.end(),
                  [&](char c) { return c == candidate.front(); })) {
    return fail(ErrorCode::kInvalidArgument, "The password must not be one character repeated.",
                "password");
  }
  if (std::find(kCommonPasswords.begin(), kCommonPasswords.end(), candidate) !=
      kCommonPasswords.end()) {
    return fail(ErrorCode::kInvalidArgument,
                "That is one of the most commonly used passwords, so it is easy to guess. "
                "Choose another.",
                "password");
  }
  if (password != confirm) {
    return fail(ErrorCode::kInvalidArgument, "The two passwords do not match.", "password_confirm");
  }
  return {};
}

}  // namespace portico::domain
