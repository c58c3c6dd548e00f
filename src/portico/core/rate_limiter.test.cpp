#include "portico/core/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace portico {
namespace {

TEST(RateLimiter, AllowsBurstThenRefusesWithRetryAfter) {
  RateLimiter limiter(3, 10.0);
  EXPECT_EQ(limiter.acquire("ip:1", 0), 0);
  EXPECT_EQ(limiter.acquire("ip:1", 0), 0);
  EXPECT_EQ(limiter.acquire("ip:1", 0), 0);
  EXPECT_EQ(limiter.acquire("ip:1", 0), 10);
  EXPECT_EQ(limiter.acquire("ip:2", 0), 0) << "keys are independent";
}

TEST(RateLimiter, RefillsOverTime) {
  RateLimiter limiter(1, 10.0);
  EXPECT_EQ(limiter.acquire("k", 100), 0);
  EXPECT_GT(limiter.acquire("k", 105), 0);
  EXPECT_EQ(limiter.acquire("k", 116), 0);
}

}  // namespace
}  // namespace portico
