#include "portico/core/markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <array>
#include <cstdlib>
#include <list>
#include <memory>
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
// is simply another entry. Split into shards by the text's hash, each with its own lock, and the
// text is hashed and the HTML copied outside the lock: with one lock over the whole cache, the
// server's threads waited on each other for it (a few hundred futex waits a second when the
// ticket pages were read in a mix).
class HtmlCache {
 public:
  static constexpr std::size_t kBudgetBytes = 16 * 1024 * 1024;
  static constexpr std::size_t kLargestText = 64 * 1024;  // larger texts are rendered each time

  std::optional<std::string> find(std::string_view text) {
    Key key{std::hash<std::string_view>{}(text), text};
    Shard& shard = shard_of(key);
    std::shared_ptr<const std::string> html;
    {
      std::lock_guard lock(shard.mutex);
      auto it = shard.index.find(key);
      if (it == shard.index.end()) return std::nullopt;
      shard.entries.splice(shard.entries.begin(), shard.entries, it->second);
      html = it->second->html;
    }
    return *html;
  }

  void add(std::string_view text, std::string html) {
    auto entry = Entry{std::string(text), std::make_shared<const std::string>(std::move(html))};
    Key key{std::hash<std::string_view>{}(text), text};
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);
    if (shard.index.contains(key)) return;
    shard.entries.push_front(std::move(entry));
    shard.index.emplace(Key{key.hash, shard.entries.front().text}, shard.entries.begin());
    shard.bytes += cost(shard.entries.front());
    while (shard.bytes > kBudgetBytes / kShards && !shard.entries.empty()) {
      const Entry& last = shard.entries.back();
      shard.bytes -= cost(last);
      shard.index.erase(Key{std::hash<std::string_view>{}(last.text), last.text});
      shard.entries.pop_back();
    }
  }

 private:
  static constexpr std::size_t kShards = 8;

  struct Entry {
    std::string text;
    std::shared_ptr<const std::string> html;  // shared, so that a hit copies it after unlocking
  };
  // A text and its hash, computed once, before the lock is taken.
  struct Key {
    std::size_t hash;
    std::string_view text;  // a view of the entry's text (or of the text looked up)
    bool operator==(const Key& other) const { return hash == other.hash && text == other.text; }
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const { return key.hash; }
  };
  struct Shard {
    std::mutex mutex;
    std::list<Entry> entries;  // most recently used first
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
    std::size_t bytes = 0;
  };

  static std::size_t cost(const Entry& e) { return e.text.size() + e.html->size() + 128; }
  Shard& shard_of(const Key& key) { return shards_[(key.hash >> 7) % kShards]; }

  std::array<Shard, kShards> shards_;
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
