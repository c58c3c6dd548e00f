#include "portico/app/highlight.hpp"

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

}  // namespace portico::app
