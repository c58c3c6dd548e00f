#include "portico/app/status_wording.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

// An empty definition is no override (saving one restores the built-in wording).
constexpr std::string_view kSelectWordings =
    "SELECT status, definition FROM status_definitions WHERE definition <> ''";

}  // namespace

StatusWording::StatusWording(storage::Database& db, std::chrono::milliseconds time_to_live,
                             SteadyClock clock)
    : db_(db), time_to_live_(time_to_live), clock_(std::move(clock)) {}

std::string StatusWording::definition(domain::Status status) {
  return std::string(definitions().of(status));
}

StatusWording::Definitions StatusWording::definitions() {
  if (auto copy = fresh_copy()) return Definitions(std::move(copy));
  auto loaded = db_.with_connection([&](storage::Connection& c) { return load(c); });
  if (loaded) return Definitions(std::move(*loaded));
  spdlog::warn("status definitions not read, showing the last known wording: {}",
               loaded.error().message);
  std::lock_guard lock(mutex_);
  return Definitions(copy_);
}

Result<std::string> StatusWording::definition(storage::Connection& c, domain::Status status) {
  if (auto copy = fresh_copy()) return std::string(Definitions(std::move(copy)).of(status));
  auto loaded = load(c);
  if (!loaded) return std::unexpected(loaded.error());
  return std::string(Definitions(std::move(*loaded)).of(status));
}

void StatusWording::invalidate() {
  std::lock_guard lock(mutex_);
  ++generation_;
}

std::shared_ptr<const StatusWording::Wordings> StatusWording::fresh_copy() {
  std::lock_guard lock(mutex_);
  if (!copy_ || copy_generation_ != generation_) return nullptr;
  if (clock_() - loaded_at_ >= time_to_live_) return nullptr;
  return copy_;
}

Result<std::shared_ptr<const StatusWording::Wordings>> StatusWording::load(storage::Connection& c) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
  }
  // The copy's age counts from before the read: it holds nothing newer than this moment.
  auto started = clock_();
  auto rows = c.query(kSelectWordings);
  if (!rows) return std::unexpected(rows.error());
  auto wordings = std::make_shared<Wordings>();
  for (const auto& r : *rows) {
    if (auto status = domain::status_from_code(static_cast<int>(r.integer(0)))) {
      (*wordings)[*status] = r.text(1);
    }
  }
  std::lock_guard lock(mutex_);
  // A save that invalidated the copy during the read may not be in what was read: this result
  // serves the caller but is not kept.
  if (generation == generation_) {
    copy_ = wordings;
    loaded_at_ = started;
    copy_generation_ = generation;
  }
  return wordings;
}

std::string_view StatusWording::Definitions::of(domain::Status status) const {
  if (wordings_) {
    if (auto it = wordings_->find(status); it != wordings_->end()) return it->second;
  }
  return domain::status_definition(status);
}

}  // namespace portico::app
