#pragma once

#include <memory>

#include "portico/storage/db.hpp"

namespace portico::storage {

// Connects to PostgreSQL with libpq (options.url is a postgresql:// URL). Connections are pooled;
// statements are prepared once per connection. Broken connections are dropped from the pool.
[[nodiscard]] Result<std::unique_ptr<Database>> open_postgres(const DatabaseOptions& options);

}  // namespace portico::storage
