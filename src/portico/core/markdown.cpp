#include "portico/core/markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <cstdlib>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace portico::markdown {

namespace {

enum class Output { kHtml, kPlainText };

std::string render(std::string_view text, Output output) {
  static std::once_flag once;
  std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
  // CMARK_OPT_DEFAULT is safe mode (CMARK_OPT_UNSAFE is never set): raw HTML becomes a comment
  // and javascript:/vbscript:/file:/data: links lose their target.
  const int options = CMARK_OPT_DEFAULT | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;
  cmark_parser* parser = cmark_parser_new(options);
  for (const char* name : {"table", "strikethrough", "autolink", "tagfilter"}) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser, ext);
    }
  }
  cmark_parser_feed(parser, text.data(), text.size());
  cmark_node* doc = cmark_parser_finish(parser);
  char* rendered = output == Output::kHtml
                       ? cmark_render_html(doc, options, cmark_parser_get_syntax_extensions(parser))
                       : cmark_render_plaintext(doc, options, 0);
  std::string out = rendered ? rendered : "";
  std::free(rendered);
  cmark_node_free(doc);
  cmark_parser_free(parser);
  return out;
}

}  // namespace

namespace {

// Rendered HTML of recently shown texts (a ticket's thread is rendered on every view of it),
// least recently used first out, within a byte budget. Keyed by the whole text, so an edited text
// is simply another entry.
class HtmlCache {
 public:
  static constexpr std::size_t kBudgetBytes = 16 * 1024 * 1024;
  static constexpr std::size_t kLargestText = 64 * 1024;  // larger texts are rendered each time

  std::optional<std::string> find(std::string_view text) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(text);
    if (it == index_.end()) return std::nullopt;
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->html;
  }

  void add(std::string_view text, const std::string& html) {
    std::lock_guard lock(mutex_);
    if (index_.contains(text)) return;
    entries_.push_front({std::string(text), html});
    index_.emplace(entries_.front().text, entries_.begin());
    bytes_ += cost(entries_.front());
    while (bytes_ > kBudgetBytes && !entries_.empty()) {
      bytes_ -= cost(entries_.back());
      index_.erase(entries_.back().text);
      entries_.pop_back();
    }
  }

 private:
  struct Entry {
    std::string text;
    std::string html;
  };
  static std::size_t cost(const Entry& e) { return e.text.size() + e.html.size() + 128; }

  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views into entries_
  std::size_t bytes_ = 0;
};

}  // namespace

std::string to_html(std::string_view text) {
  static HtmlCache cache;
  if (text.size() > HtmlCache::kLargestText) return render(text, Output::kHtml);
  if (auto html = cache.find(text)) return std::move(*html);
  std::string html = render(text, Output::kHtml);
  cache.add(text, html);
  return html;
}

std::string to_plain_text(std::string_view text) { return render(text, Output::kPlainText); }

}  // namespace portico::markdown
