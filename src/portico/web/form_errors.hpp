#pragma once
// Shows a failed form again with what was typed and the error beside its field.

#include <string>

#include "portico/core/result.hpp"
#include "portico/web/templates.hpp"

namespace portico::web {

// Sets {{error}} (the summary at the top) and {{error_<field>}} (beside the field) in data.
inline void add_form_error(Data& data, const Error& error) {
  data.set("error", error.message);
  if (!error.field.empty()) data.set("error_" + error.field, error.message);
}

// True when a failed service call should re-show the form (the person can fix it) rather than
// become an error page.
inline bool is_form_error(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kConflict ||
         error.code == ErrorCode::kUnauthenticated || error.code == ErrorCode::kTooLarge ||
         error.code == ErrorCode::kFailedPrecondition;
}

// A local path that is safe to redirect to after login ("/tickets?x=1"), else fallback.
// Refuses absolute URLs, scheme-relative "//host" and backslash tricks.
inline std::string safe_next(std::string_view next, std::string_view fallback) {
  if (next.empty() || next.front() != '/' || next.size() > 2000) return std::string(fallback);
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return std::string(fallback);
  for (char c : next) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20) return std::string(fallback);
  }
  return std::string(next);
}

}  // namespace portico::web
