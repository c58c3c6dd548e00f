#include "portico/core/markdown.hpp"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace portico::markdown {
namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Markdown, RendersCommonMarkAndGitHubTables) {
  auto html = to_html("# Title\n\n**bold** and ~~gone~~\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
  EXPECT_TRUE(contains(html, "<h1>Title</h1>"));
  EXPECT_TRUE(contains(html, "<strong>bold</strong>"));
  EXPECT_TRUE(contains(html, "<del>gone</del>"));
  EXPECT_TRUE(contains(html, "<td>2</td>"));
}

TEST(Markdown, DropsRawHtmlAndDangerousLinks) {
  auto html =
      to_html("<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=y>");
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(contains(html, "javascript:"));
  EXPECT_FALSE(contains(html, "<img"));
}

TEST(Markdown, TheSameTextRendersTheSameAfterManyOthers) {
  const std::string first = "First *text* with a [link](https://example.com/a).";
  const std::string expected = to_html(first);
  EXPECT_EQ(to_html(first), expected);  // served again (from the cache)
  // Enough distinct large texts to push the first out of the cache's budget.
  std::string filler(30'000, 'x');
  for (int i = 0; i < 700; ++i) {
    auto text = fmt::format("Text {}\n\n{}", i, filler);
    auto html = to_html(text);
    ASSERT_TRUE(contains(html, fmt::format("<p>Text {}</p>", i)));
  }
  EXPECT_EQ(to_html(first), expected);
  EXPECT_NE(to_html("Second *text*"), expected);
}

}  // namespace
}  // namespace portico::markdown
