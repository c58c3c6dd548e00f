#pragma once
// Search results' highlighted text, shared by ticket search and the Help Center.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/storage/db.hpp"

namespace portico::app {

// The full-text engines mark matches with these bytes (FTS5 highlight()/snippet(), PostgreSQL
// ts_headline), which no stored text contains.
inline constexpr char kMatchStart = '\x02';
inline constexpr char kMatchEnd = '\x03';

// Escapes HTML and turns the kMatchStart…kMatchEnd markers into <mark>…</mark>.
std::string highlight_html(std::string_view text);

// A searched word as the index splits it: one token, or several in a row ("don’t" is "don" "t").
using Phrase = std::vector<std::string>;

// Marking matches in C++ from the index's own tokens (storage::Connection::full_text_tokens):
// the same result as FTS5's highlight() and snippet(), without a full-text query per row (each
// one seeks the posting list of every word, ~50 µs for a common word).
//
// The text with every match of a phrase marked, or nullopt when nothing matches. `tokens` are the
// text's tokens.
std::optional<std::string> mark_matches(std::string_view text,
                                        const std::vector<storage::TextToken>& tokens,
                                        const std::vector<Phrase>& phrases);

// About `size` tokens of the text around its matches, marked, with "…" where the text is cut:
// the window holding the most different phrases, then the most matches, the earliest on a tie,
// with the matches centred. The text's start when nothing matches.
std::string snippet(std::string_view text, const std::vector<storage::TextToken>& tokens,
                    const std::vector<Phrase>& phrases, std::size_t size = 16);

}  // namespace portico::app
