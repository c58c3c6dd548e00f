#include "portico/core/markdown.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

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

// Threads reading and filling the cache at once (its shards are locked apart) each get their own
// text's HTML, while large texts keep pushing others out of the budget.
TEST(Markdown, ThreadsSharingTheCacheGetTheirOwnTextsHtml) {
  std::vector<std::string> texts;
  std::vector<std::string> expected;
  std::string filler(20'000, 'y');
  for (int i = 0; i < 40; ++i) {
    texts.push_back(fmt::format("Shared **text {}**\n\n{}", i, i % 4 == 0 ? filler : "short"));
    expected.push_back(fmt::format("<p>Shared <strong>text {}</strong></p>", i));
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 3'000; ++n) {
        std::size_t i = static_cast<std::size_t>((n * 7 + t * 13) % 40);
        if (!contains(to_html(texts[i]), expected[i])) ++wrong;
        if (n % 50 == 0) {  // a text seen once: fills the budget
          (void)to_html(fmt::format("Once {} {}\n\n{}{}", t, n, filler, filler));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace portico::markdown
