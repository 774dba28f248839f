#include "store/test_util.h"

namespace mh::store {
namespace {

class WorkItemsTest : public StoreTest {
 protected:
  WorkItem Item(std::string id, int64_t priority = 0) {
    return WorkItem{.id = std::move(id),
                    .company_id = "acme",
                    .kind = "task",
                    .state = "open",
                    .title = "Title",
                    .body = "Body",
                    .priority = priority};
  }
  void Create(const WorkItem& item) {
    Status status = store_->CreateWorkItem(item);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
};

TEST_F(WorkItemsTest, CreateAndGetRoundTripsEveryField) {
  WorkItem parent = Item("wi-1");
  Create(parent);
  WorkItem item = Item("wi-2", 5);
  item.kind = "bug";
  item.parent_id = "wi-1";
  item.assignee = "engineer-2";
  item.labels = "ci,flaky";
  item.body = "Steps:\n1. run\n2. crash";
  Create(item);
  auto got = store_->GetWorkItem("wi-2");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->kind, "bug");
  EXPECT_EQ(got->parent_id, "wi-1");
  EXPECT_EQ(got->priority, 5);
  EXPECT_EQ(got->assignee, "engineer-2");
  EXPECT_EQ(got->labels, "ci,flaky");
  EXPECT_EQ(got->body, item.body);
  EXPECT_EQ(got->created_at, clock_.Now());
  EXPECT_EQ(store_->CreateWorkItem(item).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetWorkItem("wi-9").status().code(), StatusCode::kNotFound);
}

TEST_F(WorkItemsTest, RequiresAnExistingParentInTheSameCompany) {
  WorkItem orphan = Item("wi-1");
  orphan.parent_id = "missing";
  EXPECT_EQ(store_->CreateWorkItem(orphan).code(), StatusCode::kNotFound);
  WorkItem foreign = Item("wi-2");
  foreign.company_id = "globex";
  Create(foreign);
  orphan.parent_id = "wi-2";
  EXPECT_EQ(store_->CreateWorkItem(orphan).code(), StatusCode::kInvalidArgument);
  WorkItem untitled = Item("wi-3");
  untitled.title = "";
  EXPECT_EQ(store_->CreateWorkItem(untitled).code(), StatusCode::kInvalidArgument);
}

TEST_F(WorkItemsTest, UpdateChangesFieldsAndRefusesParentCycles) {
  Create(Item("wi-1"));
  WorkItem child = Item("wi-2");
  child.parent_id = "wi-1";
  Create(child);
  clock_.Advance(std::chrono::minutes(2));
  WorkItem update = *store_->GetWorkItem("wi-1");
  update.state = "in_progress";
  update.assignee = "engineer-1";
  ASSERT_TRUE(store_->UpdateWorkItem(update).ok());
  auto got = store_->GetWorkItem("wi-1");
  EXPECT_EQ(got->state, "in_progress");
  EXPECT_EQ(got->assignee, "engineer-1");
  EXPECT_EQ(got->updated_at - got->created_at, std::chrono::minutes(2));

  update.parent_id = "wi-2";  // wi-2's parent is wi-1.
  EXPECT_EQ(store_->UpdateWorkItem(update).code(), StatusCode::kFailedPrecondition);
  update.parent_id = "wi-1";
  EXPECT_EQ(store_->UpdateWorkItem(update).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->UpdateWorkItem(Item("wi-9")).code(), StatusCode::kNotFound);
}

TEST_F(WorkItemsTest, ListsByPriorityWithFilters) {
  Create(Item("low", 1));
  Create(Item("high", 9));
  WorkItem assigned = Item("mid", 5);
  assigned.assignee = "qa-1";
  assigned.state = "review";
  Create(assigned);
  auto all = store_->ListWorkItems("acme", {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "high");
  EXPECT_EQ((*all)[1].id, "mid");
  EXPECT_EQ((*all)[2].id, "low");
  EXPECT_EQ(store_->ListWorkItems("acme", {.state = "open"})->size(), 2u);
  auto mine = store_->ListWorkItems("acme", {.assignee = "qa-1"});
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].id, "mid");
  EXPECT_TRUE(store_->ListWorkItems("globex", {})->empty());
}

TEST_F(WorkItemsTest, DependenciesRefuseCyclesAndMissingItems) {
  Create(Item("a"));
  Create(Item("b"));
  Create(Item("c"));
  ASSERT_TRUE(store_->AddDependency("a", "b").ok());
  ASSERT_TRUE(store_->AddDependency("b", "c").ok());
  ASSERT_TRUE(store_->AddDependency("a", "c").ok());
  EXPECT_TRUE(store_->AddDependency("a", "c").ok());  // Already there: a no-op.
  EXPECT_EQ(store_->AddDependency("c", "a").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AddDependency("a", "a").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AddDependency("a", "zzz").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->AddDependency("zzz", "a").code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->ListDependencies("a"), (std::vector<std::string>{"b", "c"}));

  ASSERT_TRUE(store_->RemoveDependency("a", "b").ok());
  EXPECT_EQ(store_->RemoveDependency("a", "b").code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->ListDependencies("a"), (std::vector<std::string>{"c"}));
}

TEST_F(WorkItemsTest, CommentsAreKeptInOrder) {
  Create(Item("wi-1"));
  auto first = store_->AddComment("wi-1", "reviewer-1", "Please add a test.");
  clock_.Advance(std::chrono::seconds(1));
  auto second = store_->AddComment("wi-1", "engineer-1", "Done.");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_LT(*first, *second);
  auto comments = store_->ListComments("wi-1");
  ASSERT_EQ(comments->size(), 2u);
  EXPECT_EQ((*comments)[0].author, "reviewer-1");
  EXPECT_EQ((*comments)[1].body, "Done.");
  EXPECT_EQ((*comments)[1].created_at - (*comments)[0].created_at, std::chrono::seconds(1));
  EXPECT_EQ(store_->AddComment("wi-9", "x", "y").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mh::store
