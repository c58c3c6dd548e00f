#include "portico/web/templates.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace portico::web {

Result<std::unique_ptr<Templates>> Templates::load(const std::filesystem::path& dir) {
  auto out = std::unique_ptr<Templates>(new Templates());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".mustache") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    kainjow::mustache::mustache parsed{text.str()};
    if (!parsed.is_valid()) {
      return fail(ErrorCode::kInternal,
                  fmt::format("template {}: {}", entry.path().string(), parsed.error_message()));
    }
    out->templates_.emplace(entry.path().stem().string(), std::move(parsed));
  }
  if (ec) {
    return fail(ErrorCode::kInternal,
                fmt::format("cannot read templates in {}: {}", dir.string(), ec.message()));
  }
  return out;
}

std::string Templates::render(std::string_view name, const Data& data) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) throw std::logic_error(fmt::format("no template named {}", name));
  std::string out;
  out.reserve(8192);
  it->second.render(data, [&out](const std::string& chunk) { out += chunk; });
  return out;
}

}  // namespace portico::web
