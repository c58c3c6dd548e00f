#include "portico/storage/postgres.hpp"

#include <libpq-fe.h>

#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "portico/storage/pool.hpp"

namespace portico::storage {

namespace {

// Type OIDs from pg_type.h (stable across releases).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Backend backend() const override { return Backend::kPostgres; }
  bool is_healthy() const override {
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    auto result = run(sql, params);
    if (!result) return std::unexpected(result.error());
    PGresult* r = result->get();
    Rows out;
    int columns = PQnfields(r);
    int rows = PQntuples(r);
    out.columns.reserve(columns);
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(r, c));
    out.rows.reserve(rows);
    for (int i = 0; i < rows; ++i) {
      std::vector<Value> cells;
      cells.reserve(columns);
      for (int c = 0; c < columns; ++c) cells.push_back(cell(r, i, c));
      out.rows.emplace_back(std::move(cells));
    }
    return out;
  }

  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    auto result = run(sql, params);
    if (!result) return std::unexpected(result.error());
    const char* affected = PQcmdTuples(result->get());
    return affected && *affected ? std::stoll(affected) : 0;
  }

  Result<void> execute_script(std::string_view sql) override {
    std::string script(sql);
    ResultPtr r(PQexec(conn_, script.c_str()));
    auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return fail(error(r.get()));
    return {};
  }

  void set_time_limit(std::chrono::milliseconds limit) override {
    if (limit == limit_) return;
    if (execute_script(fmt::format("SET statement_timeout = {}", limit.count()))) limit_ = limit;
  }

  Result<void> begin(bool) override { return execute_script("BEGIN"); }
  Result<void> commit() override { return execute_script("COMMIT"); }
  void rollback() noexcept override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) PQclear(PQexec(conn_, "ROLLBACK"));
  }

 private:
  Result<ResultPtr> run(std::string_view sql, const Params& params) {
    std::string key(sql);
    const std::string* name = nullptr;  // none: an unnamed statement, planned for its values
    if (!params.plans_each_time()) {
      auto it = prepared_.find(key);
      if (it == prepared_.end()) {
        std::string fresh = fmt::format("p{}", prepared_.size() + 1);
        ResultPtr r(PQprepare(conn_, fresh.c_str(), key.c_str(), 0, nullptr));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return fail(error(r.get()));
        it = prepared_.emplace(std::move(key), std::move(fresh)).first;
      }
      name = &it->second;
    }
    auto values = params.values();
    std::vector<std::string> text(values.size());
    std::vector<const char*> pointers(values.size(), nullptr);
    std::vector<int> lengths(values.size(), 0);
    std::vector<int> formats(values.size(), 0);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const Value& v = values[i];
      if (std::holds_alternative<std::monostate>(v)) continue;
      if (auto p = std::get_if<std::int64_t>(&v)) {
        text[i] = std::to_string(*p);
      } else if (auto d = std::get_if<double>(&v)) {
        text[i] = fmt::format("{}", *d);
      } else if (auto s = std::get_if<std::string>(&v)) {
        pointers[i] = s->c_str();
        lengths[i] = static_cast<int>(s->size());
        continue;
      } else if (auto b = std::get_if<Blob>(&v)) {
        pointers[i] = b->bytes.data();
        lengths[i] = static_cast<int>(b->bytes.size());
        formats[i] = 1;  // binary: bytea without escaping
        continue;
      } else if (auto ids = std::get_if<Ids>(&v)) {
        text[i] = fmt::format("{{{}}}", fmt::join(ids->values, ","));  // an array literal
      }
      pointers[i] = text[i].c_str();
      lengths[i] = static_cast<int>(text[i].size());
    }
    int count = static_cast<int>(values.size());
    ResultPtr r(name ? PQexecPrepared(conn_, name->c_str(), count, pointers.data(), lengths.data(),
                                      formats.data(), 0)
                     : PQexecParams(conn_, key.c_str(), count, nullptr, pointers.data(),
                                    lengths.data(), formats.data(), 0));
    auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return fail(error(r.get()));
    return r;
  }

  static Value cell(PGresult* r, int row, int column) {
    if (PQgetisnull(r, row, column)) return std::monostate{};
    const char* data = PQgetvalue(r, row, column);
    int length = PQgetlength(r, row, column);
    switch (PQftype(r, column)) {
      case kInt8Oid:
      case kInt4Oid:
      case kInt2Oid: return std::int64_t{std::strtoll(data, nullptr, 10)};
      case kBoolOid: return std::int64_t{data[0] == 't' ? 1 : 0};
      case kFloat4Oid:
      case kFloat8Oid: return std::strtod(data, nullptr);
      case kByteaOid: {
        std::size_t size = 0;
        unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(data), &size);
        Blob blob{std::string(reinterpret_cast<char*>(bytes), size)};
        PQfreemem(bytes);
        return blob;
      }
      default: return std::string(data, static_cast<std::size_t>(length));
    }
  }

  Error error(PGresult* r) const {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    std::string_view code = state ? state : "";
    if (code.starts_with("23")) return {ErrorCode::kConflict, message, {}};
    if (code == "57014") {  // query_canceled: statement_timeout (Database::limit_statements)
      return {ErrorCode::kUnavailable, std::string(Database::kStatementStopped), {}};
    }
    if (code == "40001" || code == "40P01" || code == "55P03" || code.starts_with("08") ||
        PQstatus(conn_) != CONNECTION_OK) {
      return {ErrorCode::kUnavailable, fmt::format("postgresql: {}", message), {}};
    }
    return {ErrorCode::kInternal, fmt::format("postgresql [{}]: {}", code, message), {}};
  }

  PGconn* conn_;
  std::chrono::milliseconds limit_{0};  // the statement_timeout set on this session
  std::unordered_map<std::string, std::string> prepared_;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const DatabaseOptions& options)
      : url_(options.url),
        pool_([this] { return open(); }, options.pool_size, std::chrono::seconds(10)) {}

  Backend backend() const override { return Backend::kPostgres; }
  Result<Lease> acquire() override {
    auto lease = pool_.acquire();
    if (lease) (*lease)->set_time_limit(statement_limit());
    return lease;
  }

 private:
  Result<std::unique_ptr<Connection>> open() {
    PGconn* conn = PQconnectdb(url_.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn);
      PQfinish(conn);
      while (!message.empty() && message.back() == '\n') message.pop_back();
      return fail(ErrorCode::kUnavailable,
                  fmt::format("cannot connect to PostgreSQL: {}", message));
    }
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    auto c = std::make_unique<PostgresConnection>(conn);
    auto setup = c->execute_script("SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'");
    if (!setup) return std::unexpected(setup.error());
    return std::unique_ptr<Connection>(std::move(c));
  }

  std::string url_;
  ConnectionPool pool_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const DatabaseOptions& options) {
  auto db = std::make_unique<PostgresDatabase>(options);
  auto first = db->acquire();
  if (!first) return std::unexpected(first.error());
  first->reset();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace portico::storage
