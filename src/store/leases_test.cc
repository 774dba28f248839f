#include <atomic>
#include <thread>

#include "store/test_util.h"

namespace mh::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LeasesTest : public StoreTest {};

TEST_F(LeasesTest, OnlyOneHolderUntilExpiry) {
  EXPECT_TRUE(*store_->AcquireLease("merge-queue", "worker-1", seconds(10)));
  EXPECT_FALSE(*store_->AcquireLease("merge-queue", "worker-2", seconds(10)));
  auto lease = store_->GetLease("merge-queue");
  ASSERT_TRUE(lease.ok() && lease->has_value());
  EXPECT_EQ((*lease)->holder, "worker-1");
  EXPECT_EQ((*lease)->expires_at, clock_.Now() + seconds(10));

  clock_.Advance(seconds(10));  // Expired: free for the taking.
  EXPECT_EQ(*store_->GetLease("merge-queue"), std::nullopt);
  EXPECT_TRUE(*store_->AcquireLease("merge-queue", "worker-2", seconds(10)));
  // The old holder lost it and cannot renew.
  EXPECT_EQ(store_->RenewLease("merge-queue", "worker-1", seconds(10)).code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(LeasesTest, RenewExtendsAndReleaseFrees) {
  ASSERT_TRUE(*store_->AcquireLease("wi-1", "worker-1", seconds(5)));
  clock_.Advance(seconds(4));
  ASSERT_TRUE(store_->RenewLease("wi-1", "worker-1", seconds(5)).ok());
  clock_.Advance(seconds(4));  // Would have expired without the renewal.
  EXPECT_FALSE(*store_->AcquireLease("wi-1", "worker-2", seconds(5)));
  EXPECT_TRUE(*store_->AcquireLease("wi-1", "worker-1", seconds(5)));  // Re-acquire renews.

  ASSERT_TRUE(store_->ReleaseLease("wi-1", "worker-2").ok());  // Not the holder: no effect.
  EXPECT_FALSE(*store_->AcquireLease("wi-1", "worker-2", seconds(5)));
  ASSERT_TRUE(store_->ReleaseLease("wi-1", "worker-1").ok());
  EXPECT_TRUE(*store_->AcquireLease("wi-1", "worker-2", seconds(5)));
  EXPECT_EQ(store_->RenewLease("nothing", "worker-1", seconds(5)).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AcquireLease("wi-1", "w", milliseconds(0)).status().code(),
            StatusCode::kInvalidArgument);
}

// Two stores on one file are two connections, as two worker processes would have.
TEST_F(LeasesTest, RacingConnectionsNeverBothWin) {
  std::unique_ptr<Store> other = Open();
  ASSERT_NE(other, nullptr);
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    const std::string name = "lease-" + std::to_string(round);
    std::atomic<int> winners{0};
    std::thread a([&] { winners += store_->AcquireLease(name, "a", seconds(30)).value_or(false); });
    std::thread b([&] { winners += other->AcquireLease(name, "b", seconds(30)).value_or(false); });
    a.join();
    b.join();
    EXPECT_EQ(winners.load(), 1) << name;
  }
}

TEST_F(LeasesTest, EffectIsRecordedOnce) {
  auto first = store_->RecordEffectOnce("merge:wi-1:abc123", "merged as def456");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*store_->RecordEffectOnce("merge:wi-1:abc123", "merged again"));
  EXPECT_EQ(*store_->GetEffect("merge:wi-1:abc123"), "merged as def456");
  EXPECT_EQ(*store_->GetEffect("tag:v1.0"), std::nullopt);
  // A reopened store (a restarted process) still knows the effect was done.
  store_.reset();
  store_ = Open();
  EXPECT_FALSE(*store_->RecordEffectOnce("merge:wi-1:abc123", "after restart"));
}

}  // namespace
}  // namespace mh::store
