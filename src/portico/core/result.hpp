#pragma once
// Expected failures travel as values: Result<T> = std::expected<T, Error>. Exceptions are for bugs
// and for failures nobody can handle locally; the HTTP layer turns those into a 500 with an ID.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace portico {

// The canonical error codes. One function (http::status_for) maps them to HTTP statuses.
enum class ErrorCode {
  kInvalidArgument,     // the caller's input is wrong; the message says what to fix
  kNotFound,            // no such thing, or the actor may not know it exists
  kUnauthenticated,     // a login is needed
  kPermissionDenied,    // logged in, but this actor may not do this
  kFailedPrecondition,  // the thing is in a state where this action does not apply
  kConflict,            // the change collides with another (unique key, concurrent update)
  kTooLarge,            // the input is over a size or count limit
  kResourceExhausted,   // a rate limit was hit; retry_after_seconds says when to try again
  kUnavailable,         // a dependency (database, SMTP) is down; retrying may help
  kInternal,            // a bug or an unexpected failure; details go to the log only
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // written for the person who caused it (or for the log, if kInternal)
  std::string field;    // the form field at fault, when there is one
  std::int64_t retry_after_seconds = 0;  // kResourceExhausted: when a retry may succeed

  static Error invalid(std::string message, std::string field = {}) {
    return {ErrorCode::kInvalidArgument, std::move(message), std::move(field)};
  }
  static Error not_found(std::string message = "Not found.") {
    return {ErrorCode::kNotFound, std::move(message), {}};
  }
  static Error internal(std::string message) {
    return {ErrorCode::kInternal, std::move(message), {}};
  }
  static Error unavailable(std::string message) {
    return {ErrorCode::kUnavailable, std::move(message), {}};
  }
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string field = {}) {
  return std::unexpected(Error{code, std::move(message), std::move(field)});
}
inline std::unexpected<Error> fail(Error error) { return std::unexpected(std::move(error)); }

}  // namespace portico
