#include "portico/http/router.hpp"

namespace portico::http {

std::string_view RouteParams::get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace portico::http
