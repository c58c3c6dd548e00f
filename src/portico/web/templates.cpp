#include "portico/web/templates.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace portico::web {

std::string escape_html(const std::string& text) {
  static constexpr auto kSpecial = [] {
    std::array<bool, 256> special{};
    for (unsigned char c : std::string_view("&<>\"'")) special[c] = true;
    return special;
  }();
  std::size_t at = 0;
  while (at < text.size() && !kSpecial[static_cast<unsigned char>(text[at])]) ++at;
  if (at == text.size()) return text;
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t from = 0;
  for (; at < text.size(); ++at) {
    char c = text[at];
    if (!kSpecial[static_cast<unsigned char>(c)]) continue;
    out.append(text, from, at - from);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += "&apos;"; break;
    }
    from = at + 1;
  }
  out.append(text, from);
  return out;
}

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
    parsed.set_custom_escape(escape_html);
    out->templates_.try_emplace(entry.path().stem().string(), std::move(parsed));
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
  const Template& page = it->second;
  std::string out;
  out.reserve(std::max<std::size_t>(4096, page.largest.load(std::memory_order_relaxed)));
  page.parsed.render(data, [&out](const std::string& chunk) { out += chunk; });
  std::size_t size = std::min(out.size(), kLargestReservation);
  if (size > page.largest.load(std::memory_order_relaxed)) {
    page.largest.store(size, std::memory_order_relaxed);
  }
  return out;
}

}  // namespace portico::web
