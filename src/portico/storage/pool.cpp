#include "portico/storage/pool.hpp"

#include <algorithm>

namespace portico::storage {

namespace {
// The connection this thread returned last (only compared, never dereferenced): a thread gets it
// back while it is idle, so its SQLite page cache and statements are still in this core's CPU
// caches instead of moving to the other core with every request.
thread_local const Connection* returned_by_this_thread = nullptr;
}  // namespace

Result<Database::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  if (!returned_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < max_size_; })) {
    return fail(ErrorCode::kUnavailable, "All database connections are busy; try again shortly.");
  }
  std::unique_ptr<Connection> conn;
  if (!idle_.empty()) {
    // This thread's last connection if it is idle, else the most recently returned one.
    auto own = std::ranges::find_if(
        idle_, [](const auto& c) { return c.get() == returned_by_this_thread; });
    auto pick = own != idle_.end() ? own : idle_.end() - 1;
    conn = std::move(*pick);
    idle_.erase(pick);
  } else {
    ++open_;
    lock.unlock();
    auto opened = factory_();
    lock.lock();
    if (!opened) {
      --open_;
      returned_.notify_one();
      return std::unexpected(opened.error());
    }
    conn = std::move(*opened);
  }
  return Database::Lease(conn.release(), [this](Connection* c) { release(c, c->is_healthy()); });
}

void ConnectionPool::release(Connection* conn, bool healthy) {
  std::unique_ptr<Connection> owned(conn);
  returned_by_this_thread = conn;
  std::lock_guard lock(mutex_);
  if (healthy) {
    idle_.push_back(std::move(owned));
  } else {
    --open_;
  }
  returned_.notify_one();
}

}  // namespace portico::storage
