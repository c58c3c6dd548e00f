#include "portico/app/highlight.hpp"

#include <gtest/gtest.h>

#include "portico/storage/db.hpp"

namespace portico::app {
namespace {

// The index's tokenizer, from a real SQLite connection (FTS5's unicode61, remove_diacritics 2).
class Highlight : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::DatabaseOptions options;
    options.url = "sqlite::memory:";
    options.pool_size = 1;
    auto db = storage::open_database(options);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto lease = db_->acquire();
    ASSERT_TRUE(lease) << lease.error().message;
    lease_ = std::move(*lease);
  }

  std::vector<storage::TextToken> tokens(std::string_view text) {
    auto t = lease_->full_text_tokens(text);
    EXPECT_TRUE(t.has_value());
    return t.value_or(std::vector<storage::TextToken>{});
  }
  std::vector<Phrase> phrases(std::initializer_list<std::string_view> words) {
    std::vector<Phrase> out;
    for (auto w : words) {
      Phrase p;
      for (auto& t : tokens(w)) p.push_back(t.word);
      out.push_back(p);
    }
    return out;
  }
  std::optional<std::string> marked(std::string_view text,
                                    std::initializer_list<std::string_view> words) {
    return mark_matches(text, tokens(text), phrases(words));
  }

  std::unique_ptr<storage::Database> db_;
  storage::Database::Lease lease_;
};

std::string visible(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == kMatchStart) {
      out += '[';
    } else if (c == kMatchEnd) {
      out += ']';
    } else {
      out += c;
    }
  }
  return out;
}

TEST_F(Highlight, TokensAreFoldedWithTheirPlaceInTheText) {
  auto t = tokens("Ça marche — ERROR-42!");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].word, "ca");
  EXPECT_EQ(t[0].begin, 0u);
  EXPECT_EQ(t[0].end, 3u);  // "Ç" is two bytes
  EXPECT_EQ(t[2].word, "error");
  EXPECT_EQ(t[3].word, "42");
}

TEST_F(Highlight, MarksEveryMatchLikeTheIndexWould) {
  EXPECT_EQ(visible(*marked("Printer error: error 42 again", {"error"})),
            "Printer [error]: [error] 42 again");
  EXPECT_EQ(visible(*marked("Café crème", {"cafe"})), "[Café] crème");
  EXPECT_EQ(visible(*marked("I don’t know", {"don’t"})), "I [don’t] know");
  EXPECT_EQ(visible(*marked("Login fails after upgrade", {"upgrade", "login"})),
            "[Login] fails after [upgrade]");
  EXPECT_FALSE(marked("Nothing to see", {"error"}).has_value());
  // A word of a phrase alone is not a match of the phrase.
  EXPECT_FALSE(marked("don is here", {"don’t"}).has_value());
}

// The same marks as FTS5's own highlight() over the same texts.
TEST_F(Highlight, AgreesWithFts5Highlight) {
  ASSERT_TRUE(lease_->execute_script(
      "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61 remove_diacritics 2')"));
  const std::vector<std::string> texts = {
      "The export to CSV fails with Error 500 (error again).",
      "Résumé upload: the RÉSUMÉ field rejects PDF files; resume later?",
      "Line one\nline two\ttabbed — dashes and “quotes” around error",
      "error",
      "x-error_error error-x",
  };
  for (const auto& text : texts) {
    ASSERT_TRUE(lease_->execute("DELETE FROM t"));
    ASSERT_TRUE(lease_->execute("INSERT INTO t(body) VALUES ($1)", storage::Params(text)));
    for (std::string_view word : {"error", "resume", "csv", "dashes"}) {
      auto row =
          lease_->query_optional("SELECT highlight(t, 0, char(2), char(3)) FROM t WHERE t MATCH $1",
                                 storage::Params("\"" + std::string(word) + "\""));
      ASSERT_TRUE(row) << row.error().message;
      auto ours = mark_matches(text, tokens(text), phrases({word}));
      if (!*row) {
        EXPECT_FALSE(ours.has_value()) << text << " / " << word;
      } else {
        ASSERT_TRUE(ours.has_value()) << text << " / " << word;
        EXPECT_EQ(visible(*ours), visible((*row)->text(0))) << word;
      }
    }
  }
}

TEST_F(Highlight, SnippetIsAWindowAroundTheBestMatches) {
  std::string text =
      "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
      "fifteen sixteen error seventeen eighteen nineteen twenty printer jam twentyone "
      "twentytwo twentythree twentyfour twentyfive twentysix twentyseven twentyeight "
      "twentynine thirty thirtyone thirtytwo thirtythree thirtyfour printer error end";
  auto t = tokens(text);
  // Both words near the end beat either word alone earlier.
  auto s = visible(snippet(text, t, phrases({"printer", "error"}), 4));
  EXPECT_EQ(s, "…thirtyfour [printer] [error] end");
  // Within a wider window, the earlier pair wins the tie.
  s = visible(snippet(text, t, phrases({"printer", "error"}), 8));
  EXPECT_EQ(s, "…sixteen [error] seventeen eighteen nineteen twenty [printer] jam…");
  // One word: the first match, with the room left shared before and after it.
  s = visible(snippet(text, t, phrases({"error"}), 5));
  EXPECT_EQ(s, "…fifteen sixteen [error] seventeen eighteen…");
  // No match: the start of the text.
  s = visible(snippet(text, t, phrases({"absent"}), 3));
  EXPECT_EQ(s, "one two three…");
  // A short text is whole, punctuation included.
  s = visible(snippet("(Error!)", tokens("(Error!)"), phrases({"error"}), 16));
  EXPECT_EQ(s, "([Error]!)");
}

}  // namespace
}  // namespace portico::app
