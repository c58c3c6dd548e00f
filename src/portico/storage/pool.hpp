#pragma once
// A bounded pool of connections shared by both backends. acquire() reuses an idle connection,
// opens a new one while under the limit, or waits (bounded) for one to be returned.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "portico/storage/db.hpp"

namespace portico::storage {

class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;

  ConnectionPool(Factory factory, int max_size, std::chrono::milliseconds wait)
      : factory_(std::move(factory)), max_size_(max_size), wait_(wait) {}

  Result<Database::Lease> acquire();

 private:
  void release(Connection* conn, bool healthy);

  Factory factory_;
  int max_size_;
  std::chrono::milliseconds wait_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
};

}  // namespace portico::storage
