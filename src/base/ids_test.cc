#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace mh {
namespace {

class StepClock final : public Clock {
 public:
  SystemTime Now() const override { return FromUnixMillis(ms_++); }
  SteadyTime Steady() const override { return SteadyTime(); }

 private:
  mutable int64_t ms_ = 1'700'000'000'000;
};

TEST(IdsTest, UniqueAndTimeOrdered) {
  StepClock clock;
  IdGenerator ids(clock, 42);
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    std::string id = ids.Next("ses");
    EXPECT_EQ(id.rfind("ses_", 0), 0u);
    EXPECT_EQ(id.size(), 4u + 16u);
    EXPECT_LT(previous, id);
    previous = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdsTest, RfcTimeFormat) {
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1'764'128'840'123)), "2025-11-26T03:47:20.123Z");
}

}  // namespace
}  // namespace mh
