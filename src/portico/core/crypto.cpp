#include "portico/core/crypto.hpp"

#include <sodium.h>

#include <mutex>
#include <stdexcept>
#include <vector>

namespace portico::crypto {

namespace {

void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  });
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

}  // namespace

std::string random_token(std::size_t bytes) {
  ensure_init();
  std::vector<unsigned char> buffer(bytes);
  randombytes_buf(buffer.data(), buffer.size());
  return to_hex(buffer.data(), buffer.size());
}

std::string sha256_hex(std::string_view data) {
  ensure_init();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return to_hex(digest, sizeof digest);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  ensure_init();
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> hash_password(std::string_view password) {
  ensure_init();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(ErrorCode::kUnavailable, "out of memory while hashing a password");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_init();
  std::string stored(hash);
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

}  // namespace portico::crypto
