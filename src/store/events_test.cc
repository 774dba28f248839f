#include <algorithm>
#include <stdexcept>
#include <thread>

#include "store/sqlite.h"
#include "store/test_util.h"

namespace mh::store {
namespace {

NewEvent MakeEvent(std::string company, std::optional<std::string> session, std::string kind,
                   std::string payload) {
  return NewEvent{.company_id = std::move(company),
                  .session_id = std::move(session),
                  .kind = std::move(kind),
                  .payload = std::move(payload)};
}

class EventsTest : public StoreTest {};

TEST_F(EventsTest, AppendAssignsConsecutiveSequenceNumbersAndKeepsPayloads) {
  EXPECT_EQ(*store_->LastSeq(), 0);
  // Payloads are opaque: embedded NULs, quotes and non-ASCII come back byte for byte.
  const std::string odd_payload = std::string("a\0b'\"\xc3\xa9", 7);
  auto first = store_->AppendEvent(MakeEvent("acme", "ses-1", "model_reply", "{\"x\":1}"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  clock_.Advance(std::chrono::milliseconds(1500));
  auto second = store_->AppendEvent(MakeEvent("acme", std::nullopt, "tool_result", odd_payload));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, 1);
  EXPECT_EQ(*second, 2);
  EXPECT_EQ(*store_->LastSeq(), 2);

  auto events = store_->ReadEvents("acme", 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "model_reply");
  EXPECT_EQ((*events)[0].session_id, "ses-1");
  EXPECT_EQ((*events)[0].payload, "{\"x\":1}");
  EXPECT_EQ((*events)[1].session_id, std::nullopt);
  EXPECT_EQ((*events)[1].payload, odd_payload);
  EXPECT_EQ((*events)[1].time - (*events)[0].time, std::chrono::milliseconds(1500));
  EXPECT_EQ(ToUnixMillis((*events)[0].time), ToUnixMillis(mh::testing::FakeClock().Now()));
}

TEST_F(EventsTest, ReadsByCompanyAndSessionAfterASequenceNumberWithALimit) {
  for (int i = 0; i < 6; ++i) {
    std::string company = i % 2 == 0 ? "acme" : "globex";
    std::string session = i < 3 ? "ses-a" : "ses-b";
    ASSERT_TRUE(store_->AppendEvent(MakeEvent(company, session, "k", std::to_string(i))).ok());
  }
  auto acme = store_->ReadEvents("acme", 1, 10);  // seqs 1, 3, 5 are acme's.
  ASSERT_TRUE(acme.ok());
  ASSERT_EQ(acme->size(), 2u);
  EXPECT_EQ((*acme)[0].seq, 3);
  EXPECT_EQ((*acme)[1].seq, 5);

  auto limited = store_->ReadEvents("globex", 0, 2);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].seq, 4);

  auto session = store_->ReadSessionEvents("ses-b", 0, 10);
  ASSERT_TRUE(session.ok());
  ASSERT_EQ(session->size(), 3u);
  EXPECT_EQ((*session)[0].payload, "3");
  EXPECT_EQ((*session)[2].payload, "5");
  EXPECT_TRUE(store_->ReadEvents("nobody", 0, 10)->empty());
  EXPECT_EQ(store_->ReadEvents("acme", 0, -1).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EventsTest, BatchIsAtomicAndConsecutive) {
  ASSERT_TRUE(store_->AppendEvent(MakeEvent("acme", std::nullopt, "k", "before")).ok());
  std::vector<NewEvent> batch = {MakeEvent("acme", "s", "k", "1"), MakeEvent("acme", "s", "k", "2"),
                                 MakeEvent("acme", "s", "k", "3")};
  auto range = store_->AppendEvents(batch);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->first, 2);
  EXPECT_EQ(range->last(), 4);

  // One bad event refuses the whole batch and leaves no trace.
  batch[1].kind = "";
  auto refused = store_->AppendEvents(batch);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->LastSeq(), 4);
  EXPECT_EQ(store_->AppendEvents({})->count, 0);
}

TEST_F(EventsTest, EventsSurviveReopening) {
  ASSERT_TRUE(store_->AppendEvent(MakeEvent("acme", std::nullopt, "k", "kept")).ok());
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->LastSeq(), 1);
  EXPECT_EQ(store_->ReadEvents("acme", 0, 1)->at(0).payload, "kept");
  EXPECT_EQ(*store_->AppendEvent(MakeEvent("acme", std::nullopt, "k", "next")), 2);
}

TEST_F(EventsTest, RejectsEventsWithoutCompanyOrKind) {
  EXPECT_EQ(store_->AppendEvent(MakeEvent("", std::nullopt, "k", "")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AppendEvent(MakeEvent("acme", std::nullopt, "", "")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AppendEvent(MakeEvent("acme", "", "k", "")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->LastSeq(), 0);
}

TEST_F(EventsTest, FullDiskIsResourceExhaustedAndLosesNothingAcknowledged) {
  store_.reset();
  store_ = Open({.max_size_bytes = 256 * 1024});
  ASSERT_NE(store_, nullptr);
  const std::string payload(2000, 'x');
  int64_t acknowledged = 0;
  Status failure;
  for (int i = 0; i < 1000 && failure.ok(); ++i) {
    auto seq = store_->AppendEvent(MakeEvent("acme", std::nullopt, "k", payload));
    if (seq.ok()) acknowledged = *seq;
    failure = seq.status();
  }
  ASSERT_FALSE(failure.ok()) << "the size limit was never reached";
  EXPECT_EQ(failure.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(failure.message(), "disk full while appending events to " + path());
  EXPECT_GT(acknowledged, 10);
  // A batch that does not fit is refused whole; everything acknowledged is still there.
  std::vector<NewEvent> batch(20, MakeEvent("acme", std::nullopt, "k", payload));
  EXPECT_EQ(store_->AppendEvents(batch).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(*store_->LastSeq(), acknowledged);
  EXPECT_EQ(store_->ReadEvents("acme", 0, 100000)->size(), static_cast<size_t>(acknowledged));
}

TEST_F(EventsTest, WriterLockedByAnotherProcessIsUnavailableAfterTheBusyTimeout) {
  store_.reset();
  store_ = Open({.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(store_->AppendEvent(MakeEvent("acme", std::nullopt, "k", "first")).ok());
  // Another connection (as another process would) holds the write lock.
  auto other = sqlite::Db::Open(path(), {});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("BEGIN IMMEDIATE", "locking").ok());
  auto blocked = store_->AppendEvent(MakeEvent("acme", std::nullopt, "k", "second"));
  EXPECT_EQ(blocked.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(blocked.status().message().find("locked"), std::string::npos);
  EXPECT_NE(blocked.status().message().find(path()), std::string::npos);
  // Readers are not blocked by a writer in WAL mode.
  EXPECT_EQ(*store_->LastSeq(), 1);
  ASSERT_TRUE((*other)->Exec("ROLLBACK", "unlocking").ok());
  EXPECT_EQ(*store_->AppendEvent(MakeEvent("acme", std::nullopt, "k", "second")), 2);
}

TEST_F(EventsTest, ConcurrentAppendsFromThreadsGetDistinctGaplessNumbers) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  store_.reset();
  store_ = Open({.durability = Durability::kNormal});
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto seq = store_->AppendEvent(MakeEvent("acme", std::nullopt, "k", std::to_string(t)));
        if (seq.ok()) seqs[t].push_back(*seq);
        // Reads run alongside the writes and always see a consistent prefix.
        auto last = store_->LastSeq();
        if (last.ok() && seq.ok()) {
          EXPECT_GE(*last, *seq);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<int64_t> all;
  for (const auto& s : seqs) all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<int64_t>(i + 1));
}

TEST_F(EventsTest, TransactionCommitsTogetherOrNotAtAll) {
  Status failed = store_->RunInTransaction([](Store& store) -> Status {
    RETURN_IF_ERROR(store.AppendEvent(MakeEvent("acme", std::nullopt, "k", "lost")).status());
    return UnavailableError("model went away");
  });
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_EQ(*store_->LastSeq(), 0);

  Status ok = store_->RunInTransaction([](Store& store) -> Status {
    RETURN_IF_ERROR(store.AppendEvent(MakeEvent("acme", std::nullopt, "k", "a")).status());
    // Reads inside the transaction see its own writes; nested transactions join it.
    EXPECT_EQ(*store.LastSeq(), 1);
    return store.RunInTransaction([](Store& inner) {
      return inner.AppendEvent(MakeEvent("acme", std::nullopt, "k", "b")).status();
    });
  });
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ(*store_->LastSeq(), 2);
}

TEST_F(EventsTest, InnerTransactionFailureRollsBackOnlyItsPart) {
  Status ok = store_->RunInTransaction([](Store& store) -> Status {
    RETURN_IF_ERROR(store.AppendEvent(MakeEvent("acme", std::nullopt, "k", "kept")).status());
    Status inner = store.RunInTransaction([](Store& s) -> Status {
      RETURN_IF_ERROR(s.AppendEvent(MakeEvent("acme", std::nullopt, "k", "dropped")).status());
      return InvalidArgumentError("nope");
    });
    EXPECT_EQ(inner.code(), StatusCode::kInvalidArgument);
    return Status::Ok();
  });
  ASSERT_TRUE(ok.ok()) << ok.ToString();
  auto events = store_->ReadEvents("acme", 0, 10);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->at(0).payload, "kept");
}

TEST_F(EventsTest, ExceptionInTransactionBodyRollsBack) {
  Status status = store_->RunInTransaction([](Store& store) -> Status {
    (void)store.AppendEvent(MakeEvent("acme", std::nullopt, "k", "lost"));
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("boom"), std::string::npos);
  EXPECT_EQ(*store_->LastSeq(), 0);
}

}  // namespace
}  // namespace mh::store
