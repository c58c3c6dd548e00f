#pragma once
// HTML templates (kainjow/Mustache, HTML-escaping by default), parsed once at start-up and shared
// by all threads. Pages render their own template, then the layout with the result as {{{body}}}.

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
  const_cast<kainjow::mustache::basic_list<std::string>&>(list.list_value())
      .push_back(std::move(item));
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
  // kainjow's render() is not const but does not mutate a parsed template (measured TSan-clean).
  mutable std::map<std::string, kainjow::mustache::mustache, std::less<>> templates_;
};

}  // namespace portico::web
