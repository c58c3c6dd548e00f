// The HTML escape the templates use, against kainjow's own (which it replaces for speed).

#include "portico/web/templates.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "portico/mail/smtp_sink.test.hpp"

namespace portico::web {
namespace {

TEST(EscapeHtml, EscapesTheCharactersKainjowEscapesAsTheSameEntities) {
  for (std::string text :
       {std::string(""), std::string("plain words"), std::string("<script>alert('x')</script>"),
        std::string("a & b \"quoted\" <em>"), std::string("&&&<<>>\"\"''"),
        std::string("ends with &"), std::string("& starts"), std::string("Zoë’s “ticket” €5"),
        std::string("nul\0inside<", 10)}) {
    EXPECT_EQ(escape_html(text), kainjow::mustache::html_escape(text)) << text;
  }
}

TEST(EscapeHtml, EveryByteMatchesKainjow) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(escape_html(all), kainjow::mustache::html_escape(all));
}

TEST(Templates, RenderEscapesValuesAndNotTripleMustaches) {
  mail::test::TempDir dir;
  std::ofstream(dir.path() / "page.mustache") << "<p title=\"{{v}}\">{{v}}|{{{v}}}</p>";
  auto templates = Templates::load(dir.path());
  ASSERT_TRUE(templates) << templates.error().message;
  Data data;
  put(data, "v", std::string("<b>\"Tom\" & 'Jerry'</b>"));
  EXPECT_EQ(
      (*templates)->render("page", data),
      "<p title=\"&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt;\">"
      "&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt;|<b>\"Tom\" & 'Jerry'</b></p>");
}

}  // namespace
}  // namespace portico::web
