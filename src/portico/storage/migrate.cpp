#include "portico/storage/migrate.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace portico::storage {

namespace {

struct MigrationFile {
  int version;
  std::string name;
  std::filesystem::path path;
};

Result<std::vector<MigrationFile>> list_migrations(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorCode::kInternal, fmt::format("migrations folder {} not found", dir.string()));
  }
  std::vector<MigrationFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".sql") continue;
    int version = 0;
    auto underscore = name.find('_');
    try {
      version = std::stoi(name.substr(0, underscore));
    } catch (const std::exception&) {
      return fail(ErrorCode::kInternal, fmt::format("migration file {} has no number", name));
    }
    files.push_back({version, name, entry.path()});
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].version != static_cast<int>(i) + 1) {
      return fail(
          ErrorCode::kInternal,
          fmt::format("migrations must be numbered 1..N without gaps; found {}", files[i].name));
    }
  }
  return files;
}

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

}  // namespace

Result<int> schema_version(Database& db) {
  return db.with_connection([](Connection& c) -> Result<int> {
    if (auto made = c.execute_script(kCreateTable); !made) return std::unexpected(made.error());
    auto row = c.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!row) return std::unexpected(row.error());
    return static_cast<int>(row->integer(0));
  });
}

Result<MigrationReport> migrate(Database& db, const std::filesystem::path& migrations_root) {
  auto dir = migrations_root / (db.backend() == Backend::kSqlite ? "sqlite" : "postgresql");
  auto files = list_migrations(dir);
  if (!files) return std::unexpected(files.error());
  if (static_cast<int>(files->size()) != kSchemaVersion) {
    return fail(ErrorCode::kInternal,
                fmt::format("{} holds {} migrations but this build expects {}: the data folder "
                            "does not match the binary",
                            dir.string(), files->size(), kSchemaVersion));
  }
  auto current = schema_version(db);
  if (!current) return std::unexpected(current.error());
  if (*current > kSchemaVersion) {
    return fail(ErrorCode::kFailedPrecondition,
                fmt::format("the database schema is version {}, newer than this build of Portico "
                            "(version {}); upgrade Portico before using this database",
                            *current, kSchemaVersion));
  }
  MigrationReport report{*current, *current, {}};
  for (const auto& file : *files) {
    if (file.version <= *current) continue;
    std::ifstream in(file.path, std::ios::binary);
    std::stringstream sql;
    sql << in.rdbuf();
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto applied = db.transaction([&](Connection& c) -> Result<void> {
      // Re-check inside the write transaction: another process may have migrated meanwhile.
      // SQLite's BEGIN IMMEDIATE already serializes writers; PostgreSQL needs an explicit lock.
      if (c.backend() == Backend::kPostgres) {
        if (auto locked = c.query("SELECT pg_advisory_xact_lock(74657201)"); !locked) {
          return std::unexpected(locked.error());
        }
      }
      auto row = c.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (!row) return std::unexpected(row.error());
      if (row->integer(0) >= file.version) return {};
      if (auto ran = c.execute_script(sql.str()); !ran) {
        return fail(ErrorCode::kInternal,
                    fmt::format("migration {} failed: {}", file.name, ran.error().message));
      }
      auto recorded =
          c.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    Params(file.version, file.name, now));
      if (!recorded) return std::unexpected(recorded.error());
      return {};
    });
    if (!applied) return std::unexpected(applied.error());
    report.applied.push_back(file.name);
    report.to_version = file.version;
  }
  return report;
}

}  // namespace portico::storage
