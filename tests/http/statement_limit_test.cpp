// The server's time limit on database statements (Database::limit_statements), on the backend
// under test (PORTICO_TEST_DATABASE): a statement that runs past it is stopped with a clear
// kUnavailable error, inside or outside a transaction, and the connection serves the next one.

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "portico/storage/db.hpp"
#include "support/server.hpp"

namespace portico::test {
namespace {

using namespace std::chrono_literals;
using storage::Connection;

// Counts to a hundred million: tens of seconds on either backend (so that a limit that does not
// work fails the test below instead of hanging it).
constexpr std::string_view kSlow =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
    "SELECT count(*) FROM c";

TEST(StatementLimitTest, ASlowStatementIsStoppedAndTheConnectionServesTheNextOne) {
  auto database = TestDatabase::create();
  auto db = database->open_one_connection();  // the same connection every time
  db->limit_statements(300ms);

  auto expect_stopped = [](const auto& result, const char* where) {
    ASSERT_FALSE(result) << where << ": the statement was not stopped";
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable)
        << where << ": " << result.error().message;
    EXPECT_EQ(result.error().message, storage::Database::kStatementStopped) << where;
  };
  auto start = std::chrono::steady_clock::now();
  auto alone = db->with_connection([](Connection& c) { return c.query(kSlow); });
  expect_stopped(alone, "a query");
  auto in_read = db->read([](Connection& c) { return c.query(kSlow); });
  expect_stopped(in_read, "a query in a read");
  auto in_write = db->transaction([](Connection& c) -> Result<std::int64_t> {
    if (auto made = c.execute_script("CREATE TABLE limit_test (x BIGINT)"); !made) {
      return std::unexpected(made.error());
    }
    return c.execute(
        "INSERT INTO limit_test WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        "WHERE x < 100000000) SELECT x FROM c");
  });
  expect_stopped(in_write, "a write in a transaction");
  // Three statements of tens of seconds each, stopped at 300 ms (a generous bound for a loaded
  // machine).
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);

  // The write was rolled back whole, and the connection answers at once.
  auto table = db->with_connection([](Connection& c) {
    return c.query_optional(c.backend() == storage::Backend::kSqlite
                                ? "SELECT name FROM sqlite_master WHERE name = 'limit_test'"
                                : "SELECT tablename FROM pg_tables WHERE tablename = 'limit_test'");
  });
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_FALSE(table->has_value()) << "the stopped transaction left its table behind";
  auto quick = db->with_connection([](Connection& c) { return c.query_one("SELECT 40 + 2"); });
  ASSERT_TRUE(quick) << quick.error().message;
  EXPECT_EQ(quick->integer(0), 42);

  // With the limit lifted, statements run to the end on the same connection.
  db->limit_statements(0ms);
  auto counted = db->with_connection([](Connection& c) {
    return c.query_one(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) "
        "SELECT count(*) FROM c");
  });
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(counted->integer(0), 100000);
}

}  // namespace
}  // namespace portico::test
