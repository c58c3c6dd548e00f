#include "portico/storage/pool.hpp"

namespace portico::storage {

Result<Database::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  if (!returned_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < max_size_; })) {
    return fail(ErrorCode::kUnavailable, "All database connections are busy; try again shortly.");
  }
  std::unique_ptr<Connection> conn;
  if (!idle_.empty()) {
    conn = std::move(idle_.back());
    idle_.pop_back();
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
  std::lock_guard lock(mutex_);
  if (healthy) {
    idle_.push_back(std::move(owned));
  } else {
    --open_;
  }
  returned_.notify_one();
}

}  // namespace portico::storage
