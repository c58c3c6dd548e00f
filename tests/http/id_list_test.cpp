// A list of ids bound as one parameter (storage::Ids), on the backend under test
// (PORTICO_TEST_DATABASE): read back whole and in order, of any length, joined to a table, and
// rebound to another list on the same prepared statement.

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/storage/db.hpp"
#include "support/server.hpp"

namespace portico::test {
namespace {

using storage::Backend;
using storage::Connection;
using storage::Ids;
using storage::Params;

// "SELECT value FROM <the ids bound to $1>" in the backend's words.
std::string ids_of_first_parameter(Backend backend) {
  return backend == Backend::kSqlite ? "SELECT value FROM id_list($1)"
                                     : "SELECT unnest($1::bigint[]) AS value";
}

std::vector<std::int64_t> read_back(Connection& c, const std::vector<std::int64_t>& ids) {
  auto rows = c.query(ids_of_first_parameter(c.backend()), Params(Ids{ids}));
  EXPECT_TRUE(rows) << rows.error().message;
  std::vector<std::int64_t> out;
  if (rows) {
    for (const auto& r : *rows) out.push_back(r.integer(0));
  }
  return out;
}

TEST(IdListTest, BoundIdsAreReadBackInOrder) {
  auto database = TestDatabase::create();
  auto db = database->open_one_connection();  // the same connection (and statement) each time
  auto done = db->with_connection([](Connection& c) -> Result<void> {
    const std::vector<std::int64_t> some = {42, 7, 9'000'000'000, -3, 7};
    EXPECT_EQ(read_back(c, some), some);
    EXPECT_EQ(read_back(c, {}), std::vector<std::int64_t>{});
    std::vector<std::int64_t> many;
    for (std::int64_t i = 0; i < 10'000; ++i) many.push_back(10'000 - i);
    EXPECT_EQ(read_back(c, many), many);
    // The same prepared statement, bound to another list.
    EXPECT_EQ(read_back(c, {1, 2}), (std::vector<std::int64_t>{1, 2}));
    return {};
  });
  ASSERT_TRUE(done) << done.error().message;
}

TEST(IdListTest, BoundIdsSelectRowsOfATable) {
  auto database = TestDatabase::create();
  auto db = database->open_one_connection();
  auto done = db->transaction([](Connection& c) -> Result<void> {
    if (auto made =
            c.execute_script("CREATE TABLE id_list_test (id BIGINT PRIMARY KEY, name TEXT)");
        !made) {
      return std::unexpected(made.error());
    }
    for (std::int64_t id = 1; id <= 20; ++id) {
      auto added = c.execute("INSERT INTO id_list_test (id, name) VALUES ($1, $2)",
                             Params(id, "row " + std::to_string(id)));
      if (!added) return std::unexpected(added.error());
    }
    bool sqlite = c.backend() == Backend::kSqlite;
    // As a row source, in the list's order (ids not in the table match nothing).
    auto joined = c.query(
        sqlite ? "SELECT t.name FROM id_list($1) ids JOIN id_list_test t ON t.id = ids.value "
                 "ORDER BY t.id DESC"
               : "SELECT t.name FROM unnest($1::bigint[]) AS ids(value) JOIN id_list_test t "
                 "ON t.id = ids.value ORDER BY t.id DESC",
        Params(Ids{{3, 17, 99, 5}}));
    if (!joined) return std::unexpected(joined.error());
    std::vector<std::string> names;
    for (const auto& r : *joined) names.push_back(r.text(0));
    EXPECT_EQ(names, (std::vector<std::string>{"row 17", "row 5", "row 3"}));
    // As an IN list, beside other parameters.
    auto counted = c.query_one(
        sqlite ? "SELECT count(*) FROM id_list_test WHERE id > $2 AND id IN "
                 "(SELECT value FROM id_list($1))"
               : "SELECT count(*) FROM id_list_test WHERE id > $2 AND id = ANY($1::bigint[])",
        Params(Ids{{1, 2, 8, 9, 10, 30}}, 5));
    if (!counted) return std::unexpected(counted.error());
    EXPECT_EQ(counted->integer(0), 3);
    return {};
  });
  ASSERT_TRUE(done) << done.error().message;
}

// id_list reads only a bound Ids: a literal or NULL argument lists nothing, and a use without an
// argument is refused with an error, not a crash.
TEST(IdListTest, SqliteIdListWithoutBoundIdsListsNothing) {
  auto database = TestDatabase::create();
  auto db = database->open_one_connection();
  if (db->backend() != Backend::kSqlite) GTEST_SKIP() << "id_list is SQLite's";
  auto done = db->with_connection([](Connection& c) -> Result<void> {
    for (const char* sql :
         {"SELECT count(*) FROM id_list('[1,2,3]')", "SELECT count(*) FROM id_list(NULL)",
          "SELECT count(*) FROM id_list(42)"}) {
      auto counted = c.query_one(sql);
      if (!counted) return std::unexpected(counted.error());
      EXPECT_EQ(counted->integer(0), 0) << sql;
    }
    auto refused = c.query("SELECT value FROM id_list");
    EXPECT_FALSE(refused) << "id_list without an argument";
    return {};
  });
  ASSERT_TRUE(done) << done.error().message;
}

}  // namespace
}  // namespace portico::test
