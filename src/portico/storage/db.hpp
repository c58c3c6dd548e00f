#pragma once
// The storage interface: one small API over two backends (SQLite and PostgreSQL), implemented on
// their raw C APIs. SQL shared by both uses $1..$n placeholders; statements are prepared once per
// connection and cached by their text. Results are materialized (a page of rows, never a cursor).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "portico/core/result.hpp"

namespace portico::storage {

enum class Backend { kSqlite, kPostgres };

// Bytes that are not text (attachment contents). Bound as BLOB / bytea.
struct Blob {
  std::string bytes;
};

// A list of ids bound as one parameter (never a cell), so that a list of any length is one
// placeholder and one prepared statement. Read as rows of `value`: on SQLite from the table-valued
// function id_list ("SELECT value FROM id_list($1)", which reads the vector in place), on
// PostgreSQL as a bigint[] ("unnest($1::bigint[])", "= ANY($1::bigint[])").
struct Ids {
  std::vector<std::int64_t> values;
};

// A parameter or a cell. PostgreSQL cells arrive as text and are converted when read.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob, Ids>;

class Row {
 public:
  explicit Row(std::vector<Value> cells) : cells_(std::move(cells)) {}

  std::size_t size() const { return cells_.size(); }
  bool is_null(std::size_t i) const;
  std::int64_t integer(std::size_t i) const;  // NULL reads as 0
  double real(std::size_t i) const;
  std::string text(std::size_t i) const;  // NULL reads as ""
  std::string blob(std::size_t i) const;
  std::optional<std::int64_t> opt_integer(std::size_t i) const;
  std::optional<std::string> opt_text(std::size_t i) const;

 private:
  const Value& at(std::size_t i) const;
  std::vector<Value> cells_;
};

struct Rows {
  std::vector<std::string> columns;
  std::vector<Row> rows;

  bool empty() const { return rows.empty(); }
  std::size_t size() const { return rows.size(); }
  const Row& operator[](std::size_t i) const { return rows[i]; }
  auto begin() const { return rows.begin(); }
  auto end() const { return rows.end(); }
};

// Builds a parameter list from ordinary C++ values: ints, strings, optionals, Blob, Ids, nullptr.
class Params {
 public:
  Params() = default;
  template <typename... Ts>
  explicit Params(Ts&&... values) {
    values_.reserve(sizeof...(Ts));
    (add(std::forward<Ts>(values)), ...);
  }

  Params& add(std::nullptr_t) {
    values_.emplace_back(std::monostate{});
    return *this;
  }
  Params& add(bool v) {
    values_.emplace_back(std::int64_t{v ? 1 : 0});
    return *this;
  }
  template <typename I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) Params& add(I v) {
    values_.emplace_back(static_cast<std::int64_t>(v));
    return *this;
  }
  Params& add(double v) {
    values_.emplace_back(v);
    return *this;
  }
  Params& add(std::string v) {
    values_.emplace_back(std::move(v));
    return *this;
  }
  Params& add(std::string_view v) {
    values_.emplace_back(std::string(v));
    return *this;
  }
  Params& add(const char* v) {
    values_.emplace_back(std::string(v));
    return *this;
  }
  Params& add(Blob v) {
    values_.emplace_back(std::move(v));
    return *this;
  }
  Params& add(Ids v) {
    values_.emplace_back(std::move(v));
    return *this;
  }
  template <typename T>
  Params& add(const std::optional<T>& v) {
    if (v)
      add(*v);
    else
      add(nullptr);
    return *this;
  }

  std::span<const Value> values() const { return values_; }

  // PostgreSQL plans the statement for these values each time it runs instead of reusing its
  // prepared plan: after five runs PostgreSQL may keep a generic plan, made without knowing
  // the values (how common a searched word is), which can be slower by 30 times. SQLite plans
  // once either way.
  Params& plan_each_time() {
    plan_each_time_ = true;
    return *this;
  }
  bool plans_each_time() const { return plan_each_time_; }

 private:
  std::vector<Value> values_;
  bool plan_each_time_ = false;
};

// A word of a text as a full-text index sees it: folded (lower case, no diacritics), and the
// bytes [begin, end) of the text it came from.
struct TextToken {
  std::string word;
  std::size_t begin = 0;
  std::size_t end = 0;
};

// One connection. Not thread-safe: a connection is used by one thread at a time (see Database).
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Backend backend() const = 0;

  // False once the connection is broken (the pool then discards it instead of reusing it).
  virtual bool is_healthy() const { return true; }

  // Runs one statement with $n parameters and returns all its rows (RETURNING rows too).
  [[nodiscard]] virtual Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;

  // Runs one statement and returns the number of rows it changed.
  [[nodiscard]] virtual Result<std::int64_t> execute(std::string_view sql,
                                                     const Params& params = {}) = 0;

  // Runs a script of several statements without parameters (migrations).
  [[nodiscard]] virtual Result<void> execute_script(std::string_view sql) = 0;

  // Transactions. begin(true) takes the write lock at once on SQLite (BEGIN IMMEDIATE), which
  // avoids deadlock-prone lock upgrades; PostgreSQL ignores the hint.
  [[nodiscard]] virtual Result<void> begin(bool write = true) = 0;
  [[nodiscard]] virtual Result<void> commit() = 0;
  virtual void rollback() noexcept = 0;

  // The words of `text` as this database's full-text index splits and folds them, so that a
  // search's matches can be marked without another query. SQLite: FTS5's unicode61 tokenizer
  // with remove_diacritics 2, as every FTS5 table here is declared. nullopt where the backend
  // has no such tokenizer (PostgreSQL marks matches with ts_headline instead).
  virtual std::optional<std::vector<TextToken>> full_text_tokens(std::string_view /*text*/) {
    return std::nullopt;
  }

  // Stops each later statement (query or execute) that runs longer than `limit`; it then fails
  // with kUnavailable. Zero: no limit. Database::acquire applies the database's limit.
  virtual void set_time_limit(std::chrono::milliseconds /*limit*/) {}

  // Convenience: the first row, or kNotFound.
  [[nodiscard]] Result<Row> query_one(std::string_view sql, const Params& params = {});
  // Convenience: the first row if there is one.
  [[nodiscard]] Result<std::optional<Row>> query_optional(std::string_view sql,
                                                          const Params& params = {});
};

// A pool of connections to one database. Thread-safe.
class Database {
 public:
  virtual ~Database() = default;

  virtual Backend backend() const = 0;

  // From now on, every statement on this database's connections that runs longer than `limit`
  // is stopped and fails with kUnavailable (SQLite: a progress handler checks a deadline;
  // PostgreSQL: statement_timeout). The server sets it once it has migrated and loaded what it
  // needs, so that one slow query cannot hold a server thread; migrations and bulk loads run
  // without.
  void limit_statements(std::chrono::milliseconds limit) { statement_limit_ms_ = limit.count(); }
  // The message of a statement stopped by that limit, on either backend.
  static constexpr std::string_view kStatementStopped =
      "The database took too long to answer and the request was stopped. Try again; if you were "
      "searching, add words to narrow the search.";
  std::chrono::milliseconds statement_limit() const {
    return std::chrono::milliseconds(statement_limit_ms_.load());
  }

  // A connection handed out for the caller's exclusive use, returned to the pool on destruction.
  using Lease = std::unique_ptr<Connection, std::function<void(Connection*)>>;
  [[nodiscard]] virtual Result<Lease> acquire() = 0;

  // Runs fn inside a transaction on a pooled connection: commits if fn returns a value,
  // rolls back if it returns an error or throws. SQLite busy/PostgreSQL serialization failures
  // surface as kUnavailable.
  template <typename Fn>
  auto transaction(Fn&& fn, bool write = true) -> std::invoke_result_t<Fn, Connection&> {
    auto lease = acquire();
    if (!lease) return std::unexpected(lease.error());
    Connection& conn = **lease;
    if (auto began = conn.begin(write); !began) return std::unexpected(began.error());
    try {
      auto result = fn(conn);
      if (!result) {
        conn.rollback();
        return result;
      }
      if (auto committed = conn.commit(); !committed) {
        conn.rollback();
        return std::unexpected(committed.error());
      }
      return result;
    } catch (...) {
      conn.rollback();
      throw;
    }
  }

  // Runs fn's reads on a pooled connection as one read transaction where that is the cheaper
  // way: on SQLite every statement outside a transaction takes and drops the read lock (file
  // locks, system calls) and sees its own snapshot; inside one, the lock is taken once and all
  // statements agree (a list's counts and its page). On PostgreSQL, whose READ COMMITTED
  // statements each take a snapshot anyway, BEGIN and COMMIT would only add two round trips:
  // there it is with_connection.
  template <typename Fn>
  auto read(Fn&& fn) -> std::invoke_result_t<Fn, Connection&> {
    if (backend() == Backend::kSqlite) return transaction(std::forward<Fn>(fn), false);
    return with_connection(std::forward<Fn>(fn));
  }

  // Runs fn on a pooled connection without a transaction (single reads).
  template <typename Fn>
  auto with_connection(Fn&& fn) -> std::invoke_result_t<Fn, Connection&> {
    auto lease = acquire();
    if (!lease) return std::unexpected(lease.error());
    return fn(**lease);
  }

 private:
  std::atomic<std::int64_t> statement_limit_ms_{0};
};

struct DatabaseOptions {
  std::string url;             // "sqlite:PATH" or "postgresql://…"
  int pool_size = 8;           // connections kept open
  int busy_timeout_ms = 5000;  // SQLite: how long a writer waits for the lock
  // SQLite: each connection's page cache. The default 2 MiB made a common-word search or a deep
  // page of a large organization re-read most of its pages from the operating system (pread):
  // 8 MiB served 2.2x (search) and 4.3x (page 40) the requests per second at 1,000,000 tickets;
  // 16 MiB served no more and added 36 MB to the peak RSS (docs/performance.md). Connections are
  // reused newest first, so about one per busy thread fills its cache.
  int cache_mib = 8;
};

// Opens a database by URL. Unknown schemes are kInvalidArgument with a message naming the forms.
[[nodiscard]] Result<std::unique_ptr<Database>> open_database(const DatabaseOptions& options);

}  // namespace portico::storage
