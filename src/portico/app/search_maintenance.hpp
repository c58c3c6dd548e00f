#pragma once
// Upkeep of SQLite's full-text indexes. FTS5 adds a segment per write and merges them in the
// background of later writes (automerge), so a busy index holds tens of segments, and every
// lookup of a word seeks in each of them: a search's snippets cost ~5x more on an index of many
// segments than on one merged index (docs/performance.md). This merges a bounded amount of the
// index per call, so that the index converges to few segments without long write locks.
// PostgreSQL's GIN indexes need nothing of the kind (autovacuum cleans their pending lists).

#include "portico/core/result.hpp"

namespace portico::storage {
class Database;
}

namespace portico::app {

// Merges up to `pages` leaf pages of each full-text index (SQLite; nothing on PostgreSQL).
// Safe to run in several processes: each call is one short write transaction.
[[nodiscard]] Result<void> tidy_search_indexes(storage::Database& db, int pages = 2000);

// Merges each full-text index into one segment: for a freshly loaded database (bench-data).
// Holds the write lock for as long as it takes (~20 s for 5,000,000 messages).
[[nodiscard]] Result<void> optimize_search_indexes(storage::Database& db);

}  // namespace portico::app
