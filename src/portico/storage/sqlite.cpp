#include "portico/storage/sqlite.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <mutex>
#include <new>
#include <unordered_map>

#include <fmt/format.h>

#include "portico/storage/pool.hpp"

namespace portico::storage {

namespace {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const char* message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return {ErrorCode::kUnavailable, "The database is busy; try again in a moment.", {}};
  }
  if (primary == SQLITE_INTERRUPT) {
    return {ErrorCode::kUnavailable, std::string(Database::kStatementStopped), {}};
  }
  if (primary == SQLITE_CONSTRAINT) {
    return {ErrorCode::kConflict, fmt::format("{}: {}", what, message), {}};
  }
  return {ErrorCode::kInternal, fmt::format("sqlite {}: {} (code {})", what, message, rc), {}};
}

// ---- id_list: a bound Ids parameter as a table ----------------------------------------------
// "SELECT value FROM id_list($1)" yields the ids of the Ids bound to $1, in order. It reads the
// vector in place (sqlite3_bind_pointer): no text to write and parse, as json_each needed (a
// fifth of a common-word search's found-ticket read, 500 ids). Modelled on SQLite's carray.

constexpr const char* kIdsPointer = "portico::storage::Ids";

struct IdListCursor {
  sqlite3_vtab_cursor base;  // first: SQLite hands this struct back as a sqlite3_vtab_cursor*
  const std::vector<std::int64_t>* ids = nullptr;
  std::size_t at = 0;
};

constexpr int kIdListValue = 0;
constexpr int kIdListArgument = 1;  // the hidden column the function's argument binds to

int id_list_connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(value INTEGER, ids HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* table = static_cast<sqlite3_vtab*>(sqlite3_malloc(sizeof(sqlite3_vtab)));
  if (!table) return SQLITE_NOMEM;
  *table = sqlite3_vtab{};
  *out = table;
  return SQLITE_OK;
}

int id_list_disconnect(sqlite3_vtab* table) {
  sqlite3_free(table);
  return SQLITE_OK;
}

// Usable only with its argument: id_list($n).
int id_list_best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& constraint = info->aConstraint[i];
    if (constraint.iColumn != kIdListArgument) continue;
    if (!constraint.usable || constraint.op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    info->aConstraintUsage[i].argvIndex = 1;
    info->aConstraintUsage[i].omit = 1;
    info->idxNum = 1;
    info->estimatedCost = 10;
    info->estimatedRows = 100;
    return SQLITE_OK;
  }
  return SQLITE_CONSTRAINT;
}

int id_list_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* cursor = new (std::nothrow) IdListCursor();
  if (!cursor) return SQLITE_NOMEM;
  *out = &cursor->base;
  return SQLITE_OK;
}

IdListCursor* id_list_cursor(sqlite3_vtab_cursor* base) {
  return reinterpret_cast<IdListCursor*>(base);
}

int id_list_close(sqlite3_vtab_cursor* base) {
  delete id_list_cursor(base);
  return SQLITE_OK;
}

// Anything but a bound Ids (a literal, NULL) is an empty list.
int id_list_filter(sqlite3_vtab_cursor* base, int idx, const char*, int argc,
                   sqlite3_value** argv) {
  auto* cursor = id_list_cursor(base);
  cursor->at = 0;
  cursor->ids = nullptr;
  if (idx == 1 && argc == 1) {
    if (auto* ids = static_cast<const Ids*>(sqlite3_value_pointer(argv[0], kIdsPointer))) {
      cursor->ids = &ids->values;
    }
  }
  return SQLITE_OK;
}

int id_list_next(sqlite3_vtab_cursor* base) {
  ++id_list_cursor(base)->at;
  return SQLITE_OK;
}

int id_list_eof(sqlite3_vtab_cursor* base) {
  auto* cursor = id_list_cursor(base);
  return !cursor->ids || cursor->at >= cursor->ids->size();
}

int id_list_column(sqlite3_vtab_cursor* base, sqlite3_context* context, int column) {
  auto* cursor = id_list_cursor(base);
  if (column == kIdListValue) sqlite3_result_int64(context, (*cursor->ids)[cursor->at]);
  return SQLITE_OK;
}

int id_list_rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(id_list_cursor(base)->at) + 1;
  return SQLITE_OK;
}

// Eponymous-only (no xCreate): there is no CREATE VIRTUAL TABLE, only id_list(…) in a query.
constexpr sqlite3_module kIdListModule = {
    0,                   // iVersion
    nullptr,             // xCreate
    id_list_connect,     // xConnect
    id_list_best_index,  // xBestIndex
    id_list_disconnect,  // xDisconnect
    nullptr,             // xDestroy
    id_list_open,        // xOpen
    id_list_close,       // xClose
    id_list_filter,      // xFilter
    id_list_next,        // xNext
    id_list_eof,         // xEof
    id_list_column,      // xColumn
    id_list_rowid,       // xRowid
    nullptr,             // xUpdate
    nullptr,             // xBegin
    nullptr,             // xSync
    nullptr,             // xCommit
    nullptr,             // xRollback
    nullptr,             // xFindFunction
    nullptr,             // xRename
    nullptr,             // xSavepoint
    nullptr,             // xRelease
    nullptr,             // xRollbackTo
    nullptr,             // xShadowName
};

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    if (tokenizer_) tokenizer_methods_.xDelete(tokenizer_);
    statements_.clear();
    sqlite3_close_v2(db_);
  }

  std::optional<std::vector<TextToken>> full_text_tokens(std::string_view text) override {
    if (!tokenizer_ && !load_tokenizer()) return std::nullopt;
    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      return std::nullopt;
    }
    std::vector<TextToken> tokens;
    auto add = [](void* context, int flags, const char* token, int size, int begin,
                  int end) -> int {
      if (flags & FTS5_TOKEN_COLOCATED) return SQLITE_OK;  // a synonym: not a word of the text
      static_cast<std::vector<TextToken>*>(context)->push_back(
          {std::string(token, static_cast<std::size_t>(size)), static_cast<std::size_t>(begin),
           static_cast<std::size_t>(end)});
      return SQLITE_OK;
    };
    int rc = tokenizer_methods_.xTokenize(tokenizer_, &tokens, FTS5_TOKENIZE_DOCUMENT, text.data(),
                                          static_cast<int>(text.size()), add);
    if (rc != SQLITE_OK) return std::nullopt;
    return tokens;
  }

  Backend backend() const override { return Backend::kSqlite; }

  void set_time_limit(std::chrono::milliseconds limit) override {
    if (limit == limit_) return;
    limit_ = limit;
    // Every 1,000 virtual machine instructions (a few microseconds) SQLite asks whether to stop.
    if (limit.count() > 0) {
      sqlite3_progress_handler(db_, 1000, &SqliteConnection::past_deadline, this);
    } else {
      sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    }
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    start_deadline();
    auto stmt = prepare(sql, params);
    if (!stmt) return std::unexpected(stmt.error());
    Rows out;
    sqlite3_stmt* s = *stmt;
    int columns = sqlite3_column_count(s);
    out.columns.reserve(columns);
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(sqlite3_column_name(s, c));
    for (;;) {
      int rc = sqlite3_step(s);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        auto error = sqlite_error(db_, rc, "query");
        sqlite3_reset(s);
        return fail(std::move(error));
      }
      std::vector<Value> cells;
      cells.reserve(columns);
      for (int c = 0; c < columns; ++c) cells.push_back(column_value(s, c));
      out.rows.emplace_back(std::move(cells));
    }
    sqlite3_reset(s);
    return out;
  }

  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    start_deadline();
    auto stmt = prepare(sql, params);
    if (!stmt) return std::unexpected(stmt.error());
    sqlite3_stmt* s = *stmt;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return fail(sqlite_error(db_, rc, "execute"));
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  Result<void> execute_script(std::string_view sql) override {
    deadline_ = std::chrono::steady_clock::time_point::max();  // scripts: migrations, BEGIN, COMMIT
    std::string script(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      return fail(ErrorCode::kInternal, fmt::format("sqlite script: {}", text));
    }
    return {};
  }

  Result<void> begin(bool write) override {
    return execute_script(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  }
  Result<void> commit() override { return execute_script("COMMIT"); }
  void rollback() noexcept override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  void start_deadline() {
    deadline_ = limit_.count() > 0 ? std::chrono::steady_clock::now() + limit_
                                   : std::chrono::steady_clock::time_point::max();
  }
  static int past_deadline(void* self) {
    return std::chrono::steady_clock::now() > static_cast<SqliteConnection*>(self)->deadline_ ? 1
                                                                                              : 0;
  }

  // FTS5's unicode61 tokenizer, configured as the FTS5 tables are (data/migrations/sqlite).
  bool load_tokenizer() {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT fts5(?1)", -1, &raw, nullptr) != SQLITE_OK) return false;
    StatementPtr stmt(raw);
    fts5_api* api = nullptr;
    sqlite3_bind_pointer(raw, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(raw);
    if (!api) return false;
    void* context = nullptr;
    if (api->xFindTokenizer(api, "unicode61", &context, &tokenizer_methods_) != SQLITE_OK) {
      return false;
    }
    const char* arguments[] = {"remove_diacritics", "2"};
    if (tokenizer_methods_.xCreate(context, arguments, 2, &tokenizer_) != SQLITE_OK) {
      tokenizer_ = nullptr;
      return false;
    }
    return true;
  }

  static Value column_value(sqlite3_stmt* s, int c) {
    switch (sqlite3_column_type(s, c)) {
      case SQLITE_INTEGER: return std::int64_t{sqlite3_column_int64(s, c)};
      case SQLITE_FLOAT: return sqlite3_column_double(s, c);
      case SQLITE_TEXT: {
        auto text = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
        return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s, c)));
      }
      case SQLITE_BLOB: {
        auto data = static_cast<const char*>(sqlite3_column_blob(s, c));
        int size = sqlite3_column_bytes(s, c);
        return Blob{data ? std::string(data, static_cast<std::size_t>(size)) : std::string()};
      }
      default: return std::monostate{};
    }
  }

  Result<sqlite3_stmt*> prepare(std::string_view sql, const Params& params) {
    std::string key(sql);
    auto it = statements_.find(key);
    sqlite3_stmt* s = nullptr;
    if (it == statements_.end()) {
      int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                  SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) return fail(sqlite_error(db_, rc, fmt::format("prepare '{}'", sql)));
      statements_.emplace(std::move(key), StatementPtr(s));
    } else {
      s = it->second.get();
    }
    sqlite3_clear_bindings(s);
    auto values = params.values();
    int expected = sqlite3_bind_parameter_count(s);
    if (static_cast<int>(values.size()) < expected) {
      return fail(ErrorCode::kInternal,
                  fmt::format("statement wants {} parameters, got {}", expected, values.size()));
    }
    for (int i = 0; i < expected; ++i) {
      // $n names its parameter explicitly; bind by that number so "$2 … $1" works as on PostgreSQL.
      const char* name = sqlite3_bind_parameter_name(s, i + 1);
      std::size_t index = static_cast<std::size_t>(i);
      if (name && name[0] == '$') index = static_cast<std::size_t>(std::atoi(name + 1) - 1);
      if (index >= values.size()) {
        return fail(ErrorCode::kInternal, fmt::format("parameter {} is not bound", name));
      }
      int rc = bind(s, i + 1, values[index]);
      if (rc != SQLITE_OK) return fail(sqlite_error(db_, rc, "bind"));
    }
    return s;
  }

  static int bind(sqlite3_stmt* s, int index, const Value& value) {
    return std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            return sqlite3_bind_null(s, index);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            return sqlite3_bind_int64(s, index, v);
          } else if constexpr (std::is_same_v<T, double>) {
            return sqlite3_bind_double(s, index, v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            return sqlite3_bind_text64(s, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
          } else if constexpr (std::is_same_v<T, Blob>) {
            return sqlite3_bind_blob64(s, index, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
          } else {
            // Read in place by id_list while the statement runs (the Params outlive it).
            return sqlite3_bind_pointer(s, index, const_cast<Ids*>(&v), kIdsPointer, nullptr);
          }
        },
        value);
  }

  sqlite3* db_;
  std::unordered_map<std::string, StatementPtr> statements_;
  fts5_tokenizer tokenizer_methods_{};
  Fts5Tokenizer* tokenizer_ = nullptr;
  std::chrono::milliseconds limit_{0};  // set_time_limit; zero: none
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, const DatabaseOptions& options)
      : path_(std::move(path)),
        busy_timeout_ms_(options.busy_timeout_ms),
        cache_kib_(std::max(options.cache_mib, 1) * 1024),
        pool_([this] { return open(); }, options.pool_size, std::chrono::seconds(10)) {}

  Backend backend() const override { return Backend::kSqlite; }
  Result<Lease> acquire() override {
    auto lease = pool_.acquire();
    if (lease) (*lease)->set_time_limit(statement_limit());
    return lease;
  }

  Result<std::unique_ptr<Connection>> open() {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path_.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      Error error{ErrorCode::kUnavailable,
                  fmt::format("cannot open SQLite database '{}': {}", path_,
                              db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)),
                  {}};
      sqlite3_close_v2(db);
      return fail(std::move(error));
    }
    sqlite3_busy_timeout(db, busy_timeout_ms_);
    sqlite3_extended_result_codes(db, 1);
    if (int registered = sqlite3_create_module_v2(db, "id_list", &kIdListModule, nullptr, nullptr);
        registered != SQLITE_OK) {
      Error error{ErrorCode::kInternal,
                  fmt::format("sqlite: cannot register id_list: {}", sqlite3_errstr(registered)),
                  {}};
      sqlite3_close_v2(db);
      return fail(std::move(error));
    }
    auto conn = std::make_unique<SqliteConnection>(db);
    auto pragmas = conn->execute_script(
        fmt::format("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-{};",
                    cache_kib_));
    if (!pragmas) return std::unexpected(pragmas.error());
    return std::unique_ptr<Connection>(std::move(conn));
  }

 private:
  std::string path_;
  int busy_timeout_ms_;
  int cache_kib_;
  ConnectionPool pool_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path,
                                              const DatabaseOptions& options) {
  // SQLite keeps memory statistics behind one process-wide mutex taken on every allocation;
  // nothing here reads them, and two workers contended for it on every page read. This must
  // precede SQLite's initialisation (a later call is refused and changes nothing).
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  if (path.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "sqlite: URL needs a path, e.g. sqlite:var/portico.db");
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  auto db = std::make_unique<SqliteDatabase>(path, options);
  // Open one connection now so a bad path fails at start-up, not on the first request.
  auto first = db->acquire();
  if (!first) return std::unexpected(first.error());
  first->reset();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace portico::storage
