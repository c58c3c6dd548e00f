#pragma once
// The definition customers read for a status wherever it is shown (ticket pages and lists, the
// desk, ticket e-mail): an admin's wording from the status_definitions table when there is one,
// else the built-in definition from the domain's status table.
//
// Admins' wordings are kept in memory. A save in this process calls invalidate(), so the next
// read loads the table; a save made by another server process shows once the copy is older than
// the time to live (a few seconds).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "portico/core/result.hpp"
#include "portico/domain/status.hpp"

namespace portico::storage {
class Database;
class Connection;
}  // namespace portico::storage

namespace portico::app {

class StatusWording {
 public:
  using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr std::chrono::milliseconds kDefaultTimeToLive{5'000};

  // `db` must outlive this object. `clock` measures the age of the copy (tests inject one).
  explicit StatusWording(storage::Database& db,
                         std::chrono::milliseconds time_to_live = kDefaultTimeToLive,
                         SteadyClock clock = std::chrono::steady_clock::now);

  // Admins' wordings by status; statuses without one are absent.
  using Wordings = std::map<domain::Status, std::string>;

  // Every status's definition as one read of the copy, for a page that shows many statuses.
  class Definitions {
   public:
    Definitions() = default;  // the built-in definitions
    explicit Definitions(std::shared_ptr<const Wordings> wordings)
        : wordings_(std::move(wordings)) {}
    std::string_view of(domain::Status status) const;

   private:
    std::shared_ptr<const Wordings> wordings_;  // null: the built-in definitions
  };

  StatusWording(const StatusWording&) = delete;
  StatusWording& operator=(const StatusWording&) = delete;

  // The definition in effect for `status`, for pages. A stale copy is read again on a pooled
  // connection; if that read fails, the failure is logged and the last copy (or, without one, the
  // built-in definition) is used: a page does not fail over the wording of a status.
  std::string definition(domain::Status status);
  // All of them at once, with the same fallbacks.
  Definitions definitions();

  // The same on the caller's connection, for services inside a transaction (which must not wait
  // for a second pooled connection). A failed read is returned.
  [[nodiscard]] Result<std::string> definition(storage::Connection& c, domain::Status status);

  // Drops the copy: the next read loads the table. Call after a change to the table is committed.
  void invalidate();

 private:
  // The copy while it is fresh, else null.
  std::shared_ptr<const Wordings> fresh_copy();
  // Reads the table on `c`; keeps the result as the copy unless invalidate() ran meanwhile.
  Result<std::shared_ptr<const Wordings>> load(storage::Connection& c);

  storage::Database& db_;
  const std::chrono::milliseconds time_to_live_;
  const SteadyClock clock_;

  std::mutex mutex_;  // guards the members below
  std::shared_ptr<const Wordings> copy_;
  std::chrono::steady_clock::time_point loaded_at_;
  std::uint64_t generation_ = 0;  // bumped by invalidate()
  std::uint64_t copy_generation_ = 0;
};

}  // namespace portico::app
