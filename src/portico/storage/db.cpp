#include "portico/storage/db.hpp"

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "portico/storage/postgres.hpp"
#include "portico/storage/sqlite.hpp"

namespace portico::storage {

namespace {

template <typename T>
T parse_number(const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    throw std::logic_error(fmt::format("database cell '{}' is not a number", text));
  }
  return value;
}

}  // namespace

const Value& Row::at(std::size_t i) const {
  if (i >= cells_.size()) {
    throw std::out_of_range(fmt::format("row has {} columns, asked for {}", cells_.size(), i));
  }
  return cells_[i];
}

bool Row::is_null(std::size_t i) const { return std::holds_alternative<std::monostate>(at(i)); }

std::int64_t Row::integer(std::size_t i) const {
  const Value& v = at(i);
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<std::int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) {
    if (*p == "t") return 1;  // PostgreSQL boolean
    if (*p == "f") return 0;
    return parse_number<std::int64_t>(*p);
  }
  return 0;
}

double Row::real(std::size_t i) const {
  const Value& v = at(i);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::stod(*p);
  return 0.0;
}

std::string Row::text(std::size_t i) const {
  const Value& v = at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return fmt::format("{}", *p);
  if (auto p = std::get_if<Blob>(&v)) return p->bytes;
  return {};
}

std::string Row::blob(std::size_t i) const { return text(i); }

std::optional<std::int64_t> Row::opt_integer(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return integer(i);
}

std::optional<std::string> Row::opt_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

Result<Row> Connection::query_one(std::string_view sql, const Params& params) {
  auto rows = query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::kNotFound, "Not found.");
  return std::move(rows->rows.front());
}

Result<std::optional<Row>> Connection::query_optional(std::string_view sql, const Params& params) {
  auto rows = query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<Row>{};
  return std::optional<Row>(std::move(rows->rows.front()));
}

Result<std::unique_ptr<Database>> open_database(const DatabaseOptions& options) {
  std::string_view url = options.url;
  if (url.starts_with("sqlite:")) {
    return open_sqlite(std::string(url.substr(7)), options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return open_postgres(options);
  }
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("unsupported database URL '{}': use sqlite:PATH or postgresql://…", url));
}

}  // namespace portico::storage
