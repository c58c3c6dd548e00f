#pragma once
// Search results' highlighted text, shared by ticket search and the Help Center.

#include <string>
#include <string_view>

namespace portico::app {

// The full-text engines mark matches with these bytes (FTS5 highlight()/snippet(), PostgreSQL
// ts_headline), which no stored text contains.
inline constexpr char kMatchStart = '\x02';
inline constexpr char kMatchEnd = '\x03';

// Escapes HTML and turns the kMatchStart…kMatchEnd markers into <mark>…</mark>.
std::string highlight_html(std::string_view text);

}  // namespace portico::app
