#pragma once

#include <string>

namespace portico {

// Sets up logging: human-readable lines on stderr at `level`, and the "access" logger (one JSON
// line per request) on stdout.
void init_logging(const std::string& level);

}  // namespace portico
