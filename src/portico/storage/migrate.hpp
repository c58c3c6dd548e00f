#pragma once
// Versioned schema migrations: data/migrations/<backend>/NNNN_name.sql, applied in order, each in
// its own transaction, and recorded in schema_migrations. A database whose schema is newer than
// the highest migration this build knows is refused rather than touched.

#include <filesystem>
#include <string>
#include <vector>

#include "portico/storage/db.hpp"

namespace portico::storage {

// The newest schema version this binary was written for. Bump it with every new migration file.
inline constexpr int kSchemaVersion = 8;

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // file names, in order
};

// Applies the pending migrations found under migrations_root/<sqlite|postgresql>/.
[[nodiscard]] Result<MigrationReport> migrate(Database& db,
                                              const std::filesystem::path& migrations_root);

// The version recorded in the database (0 for an empty database).
[[nodiscard]] Result<int> schema_version(Database& db);

}  // namespace portico::storage
