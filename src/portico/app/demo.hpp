#pragma once
// Demo data for `make run`: two organizations with customers, one agent in each team, an admin,
// tickets across the workflow, and Help Center articles. Loaded once (recorded in settings).

#include <cstdint>
#include <string>
#include <vector>

#include "portico/core/result.hpp"

namespace portico::storage {
class Database;
}

namespace portico::app {

struct DemoLogin {
  std::string role;
  std::string email;
  std::string name;
};

struct DemoReport {
  bool loaded_now = false;  // false: it was already there
  std::string password;     // every demo account's password
  std::vector<DemoLogin> logins;
};

[[nodiscard]] Result<DemoReport> load_demo(storage::Database& db, std::int64_t now);

}  // namespace portico::app
