#pragma once
// HTML templates (kainjow/Mustache, HTML-escaping by default), parsed once at start-up and shared
// by all threads. Pages render their own template, then the layout with the result as {{{body}}}.

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <kainjow/mustache.hpp>

#include "portico/core/result.hpp"

namespace portico::web {

using Data = kainjow::mustache::data;

// Building data without copies. kainjow's set() and push_back() deep-copy what they are given
// (a list page built each row three times over); these move it in instead.
inline void put(Data& object, const std::string& key, Data value) {
  object[key] = std::move(value);
}
inline void append(Data& list, Data item) {
  if (!list.is_list()) list = Data(Data::type::list);
  // kainjow has no moving push_back; the list it holds is not const, list_value() only says so.
  auto& items = const_cast<kainjow::mustache::basic_list<std::string>&>(list.list_value());
  if (items.size() == items.capacity()) {
    // kainjow's move constructor is not noexcept, so a vector that grows copies every item, deep
    // (a list page's 25 rows were copied 31 times in all, and the copies freed: ~6% of its
    // instructions). Move them into a larger vector instead.
    kainjow::mustache::basic_list<std::string> larger;
    larger.reserve(std::max<std::size_t>(8, items.capacity() * 2));
    for (auto& existing : items) larger.emplace_back(std::move(existing));
    items.swap(larger);
  }
  items.push_back(std::move(item));
}

// HTML-escapes a {{value}}: the five characters kainjow escapes, as the same entities (&amp;
// &lt; &gt; &quot; &apos;). kainjow's own escape appends a character at a time, a few percent of
// a list page; this copies the runs between them.
std::string escape_html(const std::string& text);

class Templates {
 public:
  // Loads every *.mustache directly under dir. A syntax error is reported with the file name.
  [[nodiscard]] static Result<std::unique_ptr<Templates>> load(const std::filesystem::path& dir);

  bool has(std::string_view name) const { return templates_.contains(std::string(name)); }
  // Renders a template by name (file name without .mustache). Unknown names are a bug: throws.
  std::string render(std::string_view name, const Data& data) const;

 private:
  struct Template {
    explicit Template(kainjow::mustache::mustache p) : parsed(std::move(p)) {}
    // kainjow's render() is not const but does not mutate a parsed template (measured
    // TSan-clean).
    mutable kainjow::mustache::mustache parsed;
    // The largest output so far (up to kLargestReservation), reserved before rendering: a page
    // grown from a small reservation was reallocated and copied a dozen times per request (5% of
    // a list page's instructions).
    mutable std::atomic<std::size_t> largest{0};
  };
  static constexpr std::size_t kLargestReservation = 256 * 1024;
  std::map<std::string, Template, std::less<>> templates_;
};

}  // namespace portico::web
