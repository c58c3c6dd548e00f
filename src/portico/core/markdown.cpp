#include "portico/core/markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <cstdlib>
#include <mutex>

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

std::string to_html(std::string_view text) { return render(text, Output::kHtml); }

std::string to_plain_text(std::string_view text) { return render(text, Output::kPlainText); }

}  // namespace portico::markdown
