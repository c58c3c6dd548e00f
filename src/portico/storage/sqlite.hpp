#pragma once

#include <memory>
#include <string>

#include "portico/storage/db.hpp"

namespace portico::storage {

// Opens (creating if needed) the SQLite database at path: WAL journal, foreign keys on,
// synchronous=NORMAL, a busy timeout, and statements cached per connection.
[[nodiscard]] Result<std::unique_ptr<Database>> open_sqlite(const std::string& path,
                                                            const DatabaseOptions& options);

}  // namespace portico::storage
