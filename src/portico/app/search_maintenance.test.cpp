#include "portico/app/search_maintenance.hpp"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "portico/app/bench_data.hpp"
#include "portico/mail/smtp_sink.test.hpp"
#include "portico/storage/db.hpp"
#include "portico/storage/migrate.hpp"

namespace portico::app {
namespace {

namespace fs = std::filesystem;

// Full-text upkeep leaves the indexes intact and finding the same rows, however often it runs.
TEST(SearchMaintenance, MergingKeepsTheIndexesIntactAndTheirMatches) {
  auto dir = fs::temp_directory_path() / ("portico-search-upkeep-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  storage::DatabaseOptions options;
  options.url = "sqlite:" + (dir / "t.db").string();
  auto db = storage::open_database(options);
  ASSERT_TRUE(db) << db.error().message;
  ASSERT_TRUE(storage::migrate(**db, mail::test::source_dir() / "data" / "migrations"));
  BenchDataOptions data;
  data.tickets = 400;
  data.customers = 40;
  data.organizations = 4;
  data.index_mode = BenchIndexMode::kIncremental;  // one segment per batch: much to merge
  data.now = 1'750'000'000;
  auto report = generate_bench_data(**db, data);
  ASSERT_TRUE(report) << report.error().message;

  auto matches = [&]() {
    auto row = (*db)->with_connection([&](storage::Connection& c) {
      return c.query_one(
          "SELECT (SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH $1), "
          "(SELECT COUNT(*) FROM tickets_fts WHERE tickets_fts MATCH $2)",
          storage::Params("body : " + report->common_word, "subject : " + report->common_word));
    });
    EXPECT_TRUE(row) << row.error().message;
    return std::pair{row->integer(0), row->integer(1)};
  };
  auto intact = [&]() {
    auto done = (*db)->with_connection([&](storage::Connection& c) {
      return c.execute_script(
          "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1); "
          "INSERT INTO tickets_fts(tickets_fts, rank) VALUES ('integrity-check', 1);");
    });
    EXPECT_TRUE(done) << done.error().message;
  };
  auto before = matches();
  EXPECT_GT(before.first, 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(tidy_search_indexes(**db, 50));
  intact();
  EXPECT_EQ(matches(), before);
  ASSERT_TRUE(optimize_search_indexes(**db));
  intact();
  EXPECT_EQ(matches(), before);
  db->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace portico::app
