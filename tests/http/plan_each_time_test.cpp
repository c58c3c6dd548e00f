// Params::plan_each_time on the backend under test (PORTICO_TEST_DATABASE): PostgreSQL runs such
// a statement unnamed, planned for its values every time, where other statements are prepared
// once per connection (and may settle on a generic plan after five runs); results are the same.

#include <string>

#include <gtest/gtest.h>

#include "portico/storage/db.hpp"
#include "support/server.hpp"

namespace portico::test {
namespace {

using storage::Connection;
using storage::Params;

TEST(PlanEachTimeTest, PostgreSQLPlansSuchAStatementForItsValuesEveryTime) {
  auto database = TestDatabase::create();
  auto db = database->open_one_connection();  // the same connection every time

  constexpr std::string_view kEachTime = "SELECT $1 + 1";
  constexpr std::string_view kPrepared = "SELECT $1 + 2";
  for (int n = 0; n < 7; ++n) {
    auto each = db->with_connection(
        [&](Connection& c) { return c.query_one(kEachTime, Params(n).plan_each_time()); });
    ASSERT_TRUE(each) << each.error().message;
    EXPECT_EQ(each->integer(0), n + 1);
    auto prepared =
        db->with_connection([&](Connection& c) { return c.query_one(kPrepared, Params(n)); });
    ASSERT_TRUE(prepared) << prepared.error().message;
    EXPECT_EQ(prepared->integer(0), n + 2);
  }
  if (db->backend() != storage::Backend::kPostgres) return;  // SQLite plans once either way

  auto runs = [&](std::string_view sql) {
    auto row = db->with_connection([&](Connection& c) {
      return c.query_one(
          "SELECT COUNT(*), COALESCE(SUM(generic_plans + custom_plans), 0) "
          "FROM pg_prepared_statements WHERE statement = $1",
          Params(sql));
    });
    EXPECT_TRUE(row) << row.error().message;
    return std::pair{row->integer(0), row->integer(1)};
  };
  EXPECT_EQ(runs(kEachTime), std::pair(std::int64_t{0}, std::int64_t{0}))
      << "the statement was prepared";
  EXPECT_EQ(runs(kPrepared), std::pair(std::int64_t{1}, std::int64_t{7}));
}

}  // namespace
}  // namespace portico::test
