#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portico::http {

// gzip-encodes data (zlib, default level). nullopt only if zlib fails.
std::optional<std::string> gzip(std::string_view data);

}  // namespace portico::http
