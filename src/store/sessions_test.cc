#include "store/test_util.h"

namespace mh::store {
namespace {

class SessionsTest : public StoreTest {
 protected:
  SessionRecord MakeSession(std::string id, std::optional<std::string> work_item = {}) {
    return SessionRecord{.id = std::move(id),
                         .company_id = "acme",
                         .work_item_id = std::move(work_item),
                         .role = "engineer",
                         .state = "running",
                         .state_blob = R"({"turn":0})"};
  }
};

TEST_F(SessionsTest, CreateGetAndUpdateKeepsTheStateBlobForResuming) {
  ASSERT_TRUE(store_->CreateSession(MakeSession("ses-1")).ok());
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(store_->UpdateSession("ses-1", "waiting", R"({"turn":7})").ok());

  auto session = store_->GetSession("ses-1");
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(session->company_id, "acme");
  EXPECT_EQ(session->role, "engineer");
  EXPECT_EQ(session->state, "waiting");
  EXPECT_EQ(session->state_blob, R"({"turn":7})");
  EXPECT_EQ(session->work_item_id, std::nullopt);
  EXPECT_EQ(session->updated_at - session->created_at, std::chrono::seconds(30));
}

TEST_F(SessionsTest, DuplicateAndMissingSessionsAreClearErrors) {
  ASSERT_TRUE(store_->CreateSession(MakeSession("ses-1")).ok());
  EXPECT_EQ(store_->CreateSession(MakeSession("ses-1")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetSession("ses-9").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateSession("ses-9", "done", "").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->CreateSession(MakeSession("ses-2", "no-such-item")).code(),
            StatusCode::kNotFound);
  SessionRecord no_role = MakeSession("ses-3");
  no_role.role = "";
  EXPECT_EQ(store_->CreateSession(no_role).code(), StatusCode::kInvalidArgument);
}

TEST_F(SessionsTest, LinksToAWorkItemAndListsByCompanyAndState) {
  ASSERT_TRUE(store_
                  ->CreateWorkItem({.id = "wi-1",
                                    .company_id = "acme",
                                    .kind = "task",
                                    .state = "open",
                                    .title = "Add login"})
                  .ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("ses-1", "wi-1")).ok());
  clock_.Advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(store_->CreateSession(MakeSession("ses-2")).ok());
  SessionRecord other = MakeSession("ses-3");
  other.company_id = "globex";
  ASSERT_TRUE(store_->CreateSession(other).ok());
  ASSERT_TRUE(store_->UpdateSession("ses-2", "done", "{}").ok());

  EXPECT_EQ(store_->GetSession("ses-1")->work_item_id, "wi-1");
  auto all = store_->ListSessions("acme", std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "ses-1");
  auto done = store_->ListSessions("acme", "done");
  ASSERT_EQ(done->size(), 1u);
  EXPECT_EQ((*done)[0].id, "ses-2");
}

TEST_F(SessionsTest, SessionStepAndItsEventCommitTogether) {
  ASSERT_TRUE(store_->CreateSession(MakeSession("ses-1")).ok());
  Status status = store_->RunInTransaction([](Store& store) -> Status {
    RETURN_IF_ERROR(store.UpdateSession("ses-1", "running", R"({"turn":1})"));
    RETURN_IF_ERROR(store
                        .AppendEvent({.company_id = "acme",
                                      .session_id = "ses-1",
                                      .kind = "model_reply",
                                      .payload = "hi"})
                        .status());
    return CancelledError("stopped before acknowledging");
  });
  EXPECT_EQ(status.code(), StatusCode::kCancelled);
  EXPECT_EQ(store_->GetSession("ses-1")->state_blob, R"({"turn":0})");
  EXPECT_TRUE(store_->ReadSessionEvents("ses-1", 0, 10)->empty());
}

}  // namespace
}  // namespace mh::store
