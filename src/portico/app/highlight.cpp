#include "portico/app/highlight.hpp"

#include <algorithm>
#include <array>

namespace portico::app {

std::string highlight_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case kMatchStart: out += "<mark>"; break;
      case kMatchEnd: out += "</mark>"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// A match: tokens [first, last] spell phrase number `phrase`.
struct Hit {
  std::size_t first;
  std::size_t last;
  std::size_t phrase;
};

// The matches in text order, none overlapping (at a token, the first phrase that matches wins).
std::vector<Hit> find_hits(const std::vector<storage::TextToken>& tokens,
                           const std::vector<Phrase>& phrases) {
  std::vector<Hit> hits;
  std::size_t i = 0;
  while (i < tokens.size()) {
    bool matched = false;
    for (std::size_t p = 0; p < phrases.size() && !matched; ++p) {
      const auto& phrase = phrases[p];
      if (phrase.empty() || i + phrase.size() > tokens.size()) continue;
      matched = std::equal(phrase.begin(), phrase.end(), tokens.begin() + static_cast<long>(i),
                           [](const std::string& word, const storage::TextToken& token) {
                             return word == token.word;
                           });
      if (matched) {
        hits.push_back({i, i + phrase.size() - 1, p});
        i += phrase.size();
      }
    }
    if (!matched) ++i;
  }
  return hits;
}

// text[from, to) with the hits inside tokens [first_token, end_token) marked.
std::string mark(std::string_view text, const std::vector<storage::TextToken>& tokens,
                 const std::vector<Hit>& hits, std::size_t from, std::size_t to,
                 std::size_t first_token, std::size_t end_token) {
  std::string out;
  out.reserve(to - from + 8);
  std::size_t at = from;
  for (const auto& hit : hits) {
    if (hit.first < first_token || hit.last >= end_token) continue;
    std::size_t begin = tokens[hit.first].begin;
    std::size_t end = tokens[hit.last].end;
    out.append(text.substr(at, begin - at));
    out += kMatchStart;
    out.append(text.substr(begin, end - begin));
    out += kMatchEnd;
    at = end;
  }
  if (at < to) out.append(text.substr(at, to - at));
  return out;
}

}  // namespace

std::optional<std::string> mark_matches(std::string_view text,
                                        const std::vector<storage::TextToken>& tokens,
                                        const std::vector<Phrase>& phrases) {
  auto hits = find_hits(tokens, phrases);
  if (hits.empty()) return std::nullopt;
  return mark(text, tokens, hits, 0, text.size(), 0, tokens.size());
}

std::string snippet(std::string_view text, const std::vector<storage::TextToken>& tokens,
                    const std::vector<Phrase>& phrases, std::size_t size) {
  const std::size_t n = tokens.size();
  size = std::max<std::size_t>(size, 1);
  if (n == 0) return std::string(text);
  auto hits = find_hits(tokens, phrases);

  // The best window starts at a match: score each (1,000 a phrase it holds, 1 a repeat).
  std::size_t start = 0;
  std::size_t last = 0;
  long best = -1;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    std::array<bool, 64> seen{};
    long score = 0;
    std::size_t window_last = hits[i].last;
    for (std::size_t j = i; j < hits.size() && hits[j].last < hits[i].first + size; ++j) {
      bool first_time = hits[j].phrase >= seen.size() || !seen[hits[j].phrase];
      if (hits[j].phrase < seen.size()) seen[hits[j].phrase] = true;
      score += first_time ? 1000 : 1;
      window_last = hits[j].last;
    }
    if (score > best) {
      best = score;
      start = hits[i].first;
      last = window_last;
    }
  }
  if (best >= 0) {
    // Centre the matches: half of the room left goes before them.
    std::size_t used = last - start + 1;
    std::size_t lead = used < size ? (size - used) / 2 : 0;
    start = start > lead ? start - lead : 0;
  }
  if (start + size > n) start = n > size ? n - size : 0;
  std::size_t end = std::min(n, start + size);

  std::size_t from = start == 0 ? 0 : tokens[start].begin;
  std::size_t to = end == n ? text.size() : tokens[end - 1].end;
  std::string out;
  if (start > 0) out += "…";
  out += mark(text, tokens, hits, from, to, start, end);
  if (end < n) out += "…";
  return out;
}

}  // namespace portico::app
