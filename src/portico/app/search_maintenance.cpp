#include "portico/app/search_maintenance.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

constexpr std::array<std::string_view, 3> kIndexes = {"messages_fts", "tickets_fts",
                                                      "articles_fts"};

}  // namespace

Result<void> tidy_search_indexes(storage::Database& db, int pages) {
  if (db.backend() != storage::Backend::kSqlite) return {};
  for (auto index : kIndexes) {
    // A negative page count merges across levels, so a quiet index ends as one segment.
    auto done = db.with_connection([&](storage::Connection& c) {
      return c.execute(fmt::format("INSERT INTO {0}({0}, rank) VALUES ('merge', {1})", index,
                                   -std::max(pages, 1)));
    });
    if (!done) return std::unexpected(done.error());
  }
  return {};
}

Result<void> optimize_search_indexes(storage::Database& db) {
  if (db.backend() != storage::Backend::kSqlite) return {};
  for (auto index : kIndexes) {
    auto done = db.with_connection([&](storage::Connection& c) {
      return c.execute(fmt::format("INSERT INTO {0}({0}) VALUES ('optimize')", index));
    });
    if (!done) return std::unexpected(done.error());
  }
  return {};
}

}  // namespace portico::app
