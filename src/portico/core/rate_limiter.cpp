#include "portico/core/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace portico {

std::int64_t RateLimiter::acquire(const std::string& key, double now) {
  std::lock_guard lock(mutex_);
  // Forget full buckets now and then so the map stays small under a spray of keys.
  if (buckets_.size() > 100'000) {
    std::erase_if(buckets_, [&](const auto& item) {
      return item.second.tokens + (now - item.second.updated) / refill_seconds_ >= burst_;
    });
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{static_cast<double>(burst_), now});
  Bucket& b = it->second;
  b.tokens = std::min<double>(burst_, b.tokens + (now - b.updated) / refill_seconds_);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) * refill_seconds_)));
}

}  // namespace portico
