#pragma once
// Per-key token buckets (per IP, per account) for login, password reset and invitation
// endpoints. In-memory, per process: with several processes each enforces its own budget.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace portico {

class RateLimiter {
 public:
  // `burst` attempts at once, refilled at one per `refill_seconds`.
  RateLimiter(int burst, double refill_seconds) : burst_(burst), refill_seconds_(refill_seconds) {}

  // Takes one attempt for key at time now (seconds). Returns 0 if allowed, otherwise how many
  // seconds until the next attempt will be (the Retry-After value).
  std::int64_t acquire(const std::string& key, double now);

 private:
  struct Bucket {
    double tokens;
    double updated;
  };
  int burst_;
  double refill_seconds_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace portico
