// The HTML escape the templates use, against kainjow's own (which it replaces for speed).

#include "portico/web/templates.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

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

// append() grows a list by moving its items, never copying them (kainjow's data has no noexcept
// move, so a plain push_back copied every item, deep, each time the list grew): an item's text
// stays where it was built, and the list renders whole and in order.
TEST(Templates, AppendMovesItemsAsTheListGrows) {
  Data rows{Data::type::list};
  const std::string long_text(100, 'x');  // past the small-string buffer: a heap block of its own
  std::vector<const char*> built;
  for (int i = 0; i < 100; ++i) {
    Data row;
    put(row, "n", std::to_string(i));
    put(row, "text", long_text);
    built.push_back(row.get("text")->string_value().data());
    append(rows, std::move(row));
  }
  ASSERT_EQ(rows.list_value().size(), 100u);
  for (std::size_t i = 0; i < built.size(); ++i) {
    EXPECT_EQ(rows.list_value()[i].get("text")->string_value().data(), built[i]) << i;
  }

  mail::test::TempDir dir;
  std::ofstream(dir.path() / "rows.mustache") << "{{#rows}}{{n}},{{/rows}}";
  auto templates = Templates::load(dir.path());
  ASSERT_TRUE(templates) << templates.error().message;
  Data data;
  put(data, "rows", std::move(rows));
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += std::to_string(i) + ",";
  // Twice: the second render reserves what the first one wrote.
  EXPECT_EQ((*templates)->render("rows", data), expected);
  EXPECT_EQ((*templates)->render("rows", data), expected);
}

}  // namespace
}  // namespace portico::web
