#include "company/tracker.h"

#include <gtest/gtest.h>

#include "company/company_impl.h"
#include "store/test_util.h"

namespace mh::company {
namespace {

class TrackerTest : public store::StoreTest {
 protected:
  Tracker tracker() { return Tracker(*store_, "acme"); }
};

TEST_F(TrackerTest, NumbersItemsAndRecordsEveryStep) {
  Tracker t = tracker();
  Result<store::WorkItem> a = t.File({.kind = "task", .title = "first", .author = "person"});
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  Result<store::WorkItem> b =
      t.File({.kind = "task", .title = "second", .author = "pl", .depends_on = {a->id}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->id, "1");
  EXPECT_EQ(b->id, "2");
  EXPECT_FALSE(*t.DependenciesFinished("2"));
  ASSERT_TRUE(t.Transition("1", states::kDone, "finished").ok());
  EXPECT_TRUE(*t.DependenciesFinished("2"));
  ASSERT_TRUE(t.Comment("2", "reviewer", "looks fine").ok());
  std::vector<Json> moves;
  Result<std::vector<store::Event>> events = store_->ReadEvents("acme", 0, 100);
  ASSERT_TRUE(events.ok());
  for (const store::Event& e : *events) {
    if (e.kind == "item_state") moves.push_back(*ParseJson(e.payload));
  }
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[0]["from"], "open");
  EXPECT_EQ(moves[0]["to"], "done");
  EXPECT_EQ(DescribeItem(*t.Get("2")), "#2 task [open] second");
}

TEST_F(TrackerTest, RefusesBadItems) {
  Tracker t = tracker();
  EXPECT_EQ(t.File({.kind = "task", .title = ""}).error().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(t.File({.kind = "task", .title = "x", .depends_on = {"99"}}).ok());
  // Nothing half-made: the failed filing left no item behind.
  EXPECT_TRUE(t.List()->empty());
}

TEST_F(TrackerTest, ChangeHistoryKeepsOneItemsGateEventsInOrder) {
  Tracker t = tracker();
  ASSERT_TRUE(t.File({.kind = "task", .title = "x"}).ok());
  ASSERT_TRUE(t.Record("change_submitted", {{"item", "1"}, {"commit", "a"}}).ok());
  ASSERT_TRUE(t.Record("ci_run", {{"item", "2"}, {"result", "passed"}}).ok());
  ASSERT_TRUE(t.Record("ci_run", {{"item", "1"}, {"result", "failed"}}).ok());
  ASSERT_TRUE(t.Record("merged", {{"item", "1"}, {"commit", "b"}}).ok());
  Result<std::vector<ChangeEvent>> h = t.ChangeHistory("1");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].kind, "change_submitted");
  EXPECT_EQ((*h)[1].payload["result"], "failed");
  EXPECT_EQ((*h)[2].kind, "merged");
}

TEST(LedgerTest, BudgetsOfCompanyRoleAndItem) {
  Charter c = DefaultCharter("a", "b", "m");
  c.budget.tokens = 1000;
  c.roles[kReviewer].budget.usd = 0.5;
  c.item_budget.tokens = 300;
  Ledger ledger;
  ledger.Add(kEngineer, "5", 200, 0.1);
  EXPECT_FALSE(ledger.Exhausted(c, kEngineer, "5"));
  ledger.Add(kEngineer, "5", 150, 0.1);
  std::optional<std::string> why = ledger.Exhausted(c, kEngineer, "5");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("work item #5 spent 350 tokens of 300"), std::string::npos) << *why;
  EXPECT_FALSE(ledger.Exhausted(c, kEngineer, "6"));
  ledger.Add(kReviewer, "6", 10, 0.6);
  EXPECT_NE(ledger.Exhausted(c, kReviewer, "6")->find("the reviewer role spent $0.6000"),
            std::string::npos);
  ledger.Add(kEngineer, "7", 700, 0);
  EXPECT_NE(ledger.Exhausted(c, "", "")->find("the company spent 1,060 tokens of 1,000"),
            std::string::npos);
}

}  // namespace
}  // namespace mh::company
