// Service tests of the Help Center's category listing on a real temporary SQLite database: the
// first few articles of each category by title, and each category's count, for what the reader
// may see.

#include "portico/app/help_center.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "portico/mail/smtp_sink.test.hpp"
#include "portico/storage/db.hpp"
#include "portico/storage/migrate.hpp"

namespace portico::app {
namespace {

using storage::Params;

class ListCategoriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::DatabaseOptions options;
    options.url = "sqlite:" + (dir_.path() / "portico.db").string();
    auto db = storage::open_database(options);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto migrated = storage::migrate(*db_, mail::test::source_dir() / "data" / "migrations");
    ASSERT_TRUE(migrated) << migrated.error().message;
    run("DELETE FROM articles");
    run("DELETE FROM article_categories");
    // Listed by position: "Later" (position 2) after "First" (position 1); "Drafts only" has no
    // article anyone may read.
    run("INSERT INTO article_categories (id, slug, name, position) VALUES "
        "(10, 'later', 'Later', 2), (11, 'first', 'First', 1), (12, 'drafts', 'Drafts only', 3)");
    article(11, "Delta", true, "everyone");
    article(11, "alpha", true, "everyone");  // sorts after the capitals (binary order)
    article(11, "Bravo", true, "customers");
    article(11, "Charlie", false, "everyone");  // a draft
    article(11, "Echo", true, "everyone");
    article(10, "Zulu", true, "everyone");
    article(12, "Hidden", false, "everyone");
  }

  void run(const std::string& sql) {
    auto done = db_->with_connection([&](storage::Connection& c) { return c.execute(sql); });
    ASSERT_TRUE(done) << done.error().message;
  }

  void article(int category, const std::string& title, bool published,
               const std::string& visibility) {
    auto done = db_->with_connection([&](storage::Connection& c) {
      return c.execute(
          "INSERT INTO articles (category_id, slug, title, body, is_published, visibility, "
          "created_at, updated_at) VALUES ($1, $2, $3, 'A long body.', $4, $5, 1, 2)",
          Params(category, "slug-" + title, title, published ? 1 : 0, visibility));
    });
    ASSERT_TRUE(done) << done.error().message;
  }

  struct Shown {
    std::string category;
    std::vector<std::string> titles;
    std::int64_t total;
    bool operator==(const Shown&) const = default;
  };

  std::vector<Shown> shown(Audience audience, int limit, bool include_empty = false) {
    auto listed = list_categories(*db_, audience, limit, include_empty);
    EXPECT_TRUE(listed) << listed.error().message;
    std::vector<Shown> out;
    if (!listed) return out;
    for (const auto& c : *listed) {
      Shown s{c.name, {}, c.total};
      for (const auto& a : c.articles) s.titles.push_back(a.title);
      out.push_back(s);
    }
    return out;
  }

  mail::test::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
};

TEST_F(ListCategoriesTest, TheFirstArticlesByTitleAndTheCountOfWhatTheReaderMaySee) {
  EXPECT_EQ(shown(Audience::kPublic, 2),
            (std::vector<Shown>{{"First", {"Delta", "Echo"}, 3}, {"Later", {"Zulu"}, 1}}));
  EXPECT_EQ(shown(Audience::kLoggedIn, 2),
            (std::vector<Shown>{{"First", {"Bravo", "Delta"}, 4}, {"Later", {"Zulu"}, 1}}));
  EXPECT_EQ(shown(Audience::kLoggedIn, 10),
            (std::vector<Shown>{{"First", {"Bravo", "Delta", "Echo", "alpha"}, 4},
                                {"Later", {"Zulu"}, 1}}));
}

TEST_F(ListCategoriesTest, EmptyCategoriesOnlyWhenAsked) {
  EXPECT_EQ(shown(Audience::kPublic, 1, true),
            (std::vector<Shown>{
                {"First", {"Delta"}, 3}, {"Later", {"Zulu"}, 1}, {"Drafts only", {}, 0}}));
}

}  // namespace
}  // namespace portico::app
