#pragma once
// Small wrappers over libsodium: random tokens, SHA-256, constant-time comparison and argon2id
// password hashing. sodium_init() runs once, on first use.

#include <string>
#include <string_view>

#include "portico/core/result.hpp"

namespace portico::crypto {

// A URL- and cookie-safe random token (hex) carrying `bytes` bytes of entropy.
std::string random_token(std::size_t bytes = 32);

// Lower-case hex SHA-256 of data (how tokens are stored: never in clear).
std::string sha256_hex(std::string_view data);

// Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

// argon2id (libsodium's INTERACTIVE limits). Slow on purpose (~100 ms): it holds one of the
// server's threads meanwhile.
[[nodiscard]] Result<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password);

}  // namespace portico::crypto
