#include "portico/app/articles.hpp"

#include <string>

#include <gtest/gtest.h>

namespace portico::app {
namespace {

TEST(SlugFromTitle, LowerCaseWordsJoinedByHyphens) {
  EXPECT_EQ(slug_from_title("How to Submit a Ticket"), "how-to-submit-a-ticket");
  EXPECT_EQ(slug_from_title("  Forgot your password?  "), "forgot-your-password");
  EXPECT_EQ(slug_from_title("What's new in 4.2"), "whats-new-in-4-2");
  EXPECT_EQ(slug_from_title("CC -- a colleague"), "cc-a-colleague");
  EXPECT_EQ(slug_from_title("Café crème"), "caf-cr-me");
}

TEST(SlugFromTitle, EmptyWithoutLettersOrDigits) {
  EXPECT_EQ(slug_from_title(""), "");
  EXPECT_EQ(slug_from_title("?!"), "");
  EXPECT_EQ(slug_from_title("日本語"), "");
}

TEST(SlugFromTitle, AtMostTheLimitAndNeverEndsWithAHyphen) {
  std::string title;
  for (int i = 0; i < 60; ++i) title += "ab ";
  std::string slug = slug_from_title(title);
  EXPECT_LE(slug.size(), kMaxSlug);
  EXPECT_TRUE(is_valid_slug(slug)) << slug;
}

TEST(IsValidSlug, AcceptsOnlyTheCanonicalForm) {
  EXPECT_TRUE(is_valid_slug("submit-a-ticket"));
  EXPECT_TRUE(is_valid_slug("a"));
  EXPECT_TRUE(is_valid_slug("release-4-2"));
  for (const char* bad :
       {"", "-a", "a-", "a--b", "A", "a b", "a_b", "a/b", "a.b", "%2e", "é", "a\n"}) {
    EXPECT_FALSE(is_valid_slug(bad)) << bad;
  }
  EXPECT_TRUE(is_valid_slug(std::string(kMaxSlug, 'a')));
  EXPECT_FALSE(is_valid_slug(std::string(kMaxSlug + 1, 'a')));
}

}  // namespace
}  // namespace portico::app
