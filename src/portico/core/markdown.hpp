#pragma once
// Markdown to HTML with cmark-gfm in safe mode: raw HTML is dropped, javascript:/vbscript:/data:
// links are emptied, and GitHub's tables, strikethrough, autolinks and tag filter are on.

#include <string>
#include <string_view>

namespace portico::markdown {

std::string to_html(std::string_view markdown);

// The text without Markdown syntax (for snippets and plain-text mail).
std::string to_plain_text(std::string_view markdown);

}  // namespace portico::markdown
