// The per-destination circuit breaker of the notification outbox:
// consecutive failures open it, nothing passes while open, after the
// cool-down exactly one probe passes, its success closes and its failure
// re-opens for a fresh cool-down.
#include "events/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace zest::events {
namespace {

using S = CircuitBreaker::State;
using std::chrono::milliseconds;

TEST(CircuitBreaker, ClosedLetsEverythingThrough) {
  CircuitBreaker cb(3, milliseconds(1000));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(cb.allow(i));
  EXPECT_EQ(cb.state(0), S::Closed);
}

TEST(CircuitBreaker, OpensOnlyAfterConsecutiveFailures) {
  CircuitBreaker cb(3, milliseconds(1000));
  cb.failure(10);
  cb.failure(20);
  EXPECT_EQ(cb.state(20), S::Closed);
  EXPECT_TRUE(cb.allow(20));
  cb.failure(30);
  EXPECT_EQ(cb.state(30), S::Open);
  EXPECT_FALSE(cb.allow(30));
  EXPECT_FALSE(cb.allow(1029));  // cool-down runs from the opening failure
  EXPECT_EQ(cb.open_until(), 1030);
}

TEST(CircuitBreaker, SuccessResetsTheCount) {
  CircuitBreaker cb(3, milliseconds(1000));
  cb.failure(1);
  cb.failure(2);
  cb.success();
  cb.failure(3);
  cb.failure(4);
  EXPECT_EQ(cb.state(4), S::Closed);  // 2 consecutive, not 4
  EXPECT_EQ(cb.consecutive_failures(), 2);
}

TEST(CircuitBreaker, OneProbeAfterCooldown) {
  CircuitBreaker cb(1, milliseconds(500));
  cb.failure(0);
  EXPECT_FALSE(cb.allow(499));
  EXPECT_EQ(cb.state(500), S::HalfOpen);
  EXPECT_TRUE(cb.allow(500));   // the probe
  EXPECT_FALSE(cb.allow(501));  // only one while it is out
  EXPECT_FALSE(cb.allow(5000));
}

TEST(CircuitBreaker, ProbeSuccessCloses) {
  CircuitBreaker cb(2, milliseconds(500));
  cb.failure(0);
  cb.failure(0);
  ASSERT_TRUE(cb.allow(600));
  cb.success();
  EXPECT_EQ(cb.state(600), S::Closed);
  EXPECT_TRUE(cb.allow(600));
  EXPECT_TRUE(cb.allow(600));
  // Closed again with a fresh count: one failure does not re-open it.
  cb.failure(700);
  EXPECT_EQ(cb.state(700), S::Closed);
}

TEST(CircuitBreaker, FailedProbeReopensForAFreshCooldown) {
  CircuitBreaker cb(5, milliseconds(500));
  for (int i = 0; i < 5; ++i) cb.failure(0);
  ASSERT_TRUE(cb.allow(500));
  cb.failure(800);  // one failure is enough in half-open
  EXPECT_EQ(cb.state(800), S::Open);
  EXPECT_FALSE(cb.allow(1299));
  EXPECT_EQ(cb.open_until(), 1300);
  EXPECT_TRUE(cb.allow(1300));  // the next probe
  EXPECT_FALSE(cb.allow(1300));
}

TEST(CircuitBreaker, AbandonedProbeGivesTheSlotBack) {
  CircuitBreaker cb(1, milliseconds(100));
  cb.failure(0);
  ASSERT_TRUE(cb.allow(100));
  cb.abandoned();
  EXPECT_TRUE(cb.allow(100));
}

TEST(CircuitBreaker, ThresholdBelowOneMeansOne) {
  CircuitBreaker cb(0, milliseconds(100));
  cb.failure(0);
  EXPECT_EQ(cb.state(0), S::Open);
}

}  // namespace
}  // namespace zest::events
