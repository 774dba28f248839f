// SqliteStore: the Store on an embedded SQLite database in WAL mode. Private to store/;
// everyone else uses OpenSqliteStore() from store.h.
//
// Threading: one writer connection behind write_mutex_ (recursive, so that calls made
// inside RunInTransaction join it) and one reader connection behind read_mutex_; in WAL
// mode readers do not wait for the writer. The thread inside RunInTransaction reads
// through the writer so that it sees its own uncommitted writes.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include "store/sqlite.h"
#include "store/store.h"

namespace mh::store {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   const SqliteStoreOptions& options);

  Result<int64_t> AppendEvent(const NewEvent& event) override;
  Result<SeqRange> AppendEvents(std::span<const NewEvent> events) override;
  Result<std::vector<Event>> ReadEvents(std::string_view company_id, int64_t after_seq,
                                        int64_t limit) override;
  Result<std::vector<Event>> ReadSessionEvents(std::string_view session_id, int64_t after_seq,
                                               int64_t limit) override;
  Result<int64_t> LastSeq() override;

  Status CreateSession(const SessionRecord& session) override;
  Result<SessionRecord> GetSession(std::string_view id) override;
  Status UpdateSession(std::string_view id, std::string_view state,
                       std::string_view state_blob) override;
  Result<std::vector<SessionRecord>> ListSessions(std::string_view company_id,
                                                  std::optional<std::string_view> state) override;

  Status CreateWorkItem(const WorkItem& item) override;
  Result<WorkItem> GetWorkItem(std::string_view id) override;
  Status UpdateWorkItem(const WorkItem& item) override;
  Result<std::vector<WorkItem>> ListWorkItems(std::string_view company_id,
                                              const WorkItemFilter& filter) override;
  Status AddDependency(std::string_view item_id, std::string_view depends_on_id) override;
  Status RemoveDependency(std::string_view item_id, std::string_view depends_on_id) override;
  Result<std::vector<std::string>> ListDependencies(std::string_view item_id) override;
  Result<int64_t> AddComment(std::string_view work_item_id, std::string_view author,
                             std::string_view body) override;
  Result<std::vector<Comment>> ListComments(std::string_view work_item_id) override;

  Result<bool> AcquireLease(std::string_view name, std::string_view holder,
                            std::chrono::milliseconds ttl) override;
  Status RenewLease(std::string_view name, std::string_view holder,
                    std::chrono::milliseconds ttl) override;
  Status ReleaseLease(std::string_view name, std::string_view holder) override;
  Result<std::optional<Lease>> GetLease(std::string_view name) override;

  Result<bool> RecordEffectOnce(std::string_view key, std::string_view detail) override;
  Result<std::optional<std::string>> GetEffect(std::string_view key) override;

  Status RunInTransaction(const std::function<Status(Store&)>& body) override;

 private:
  SqliteStore(std::unique_ptr<sqlite::Db> writer, std::unique_ptr<sqlite::Db> reader,
              const Clock& clock)
      : clock_(clock), writer_(std::move(writer)), reader_(std::move(reader)) {}

  int64_t NowMs() const { return ToUnixMillis(clock_.Now()); }

  // Runs fn(Db&) -> Status or Result<T> on the writer inside a transaction (a savepoint
  // when the caller is in RunInTransaction); commits when it succeeds. `what` must be a
  // string literal.
  template <typename F>
  std::invoke_result_t<F, sqlite::Db&> Write(std::string_view what, F&& fn) {
    std::lock_guard<std::recursive_mutex> lock(write_mutex_);
    ASSIGN_OR_RETURN(sqlite::Transaction txn, sqlite::Transaction::Begin(*writer_, what));
    auto result = fn(*writer_);
    if (!result.ok()) return result;  // `txn` rolls back.
    RETURN_IF_ERROR(txn.Commit());
    return result;
  }

  // Runs fn(Db&) on a connection that sees every committed write (and, inside
  // RunInTransaction, the transaction's own writes).
  template <typename F>
  std::invoke_result_t<F, sqlite::Db&> Read(F&& fn) {
    if (reader_ == nullptr || transaction_owner_.load() == std::this_thread::get_id()) {
      std::lock_guard<std::recursive_mutex> lock(write_mutex_);
      return fn(*writer_);
    }
    std::lock_guard<std::mutex> lock(read_mutex_);
    return fn(*reader_);
  }

  const Clock& clock_;
  std::recursive_mutex write_mutex_;
  std::unique_ptr<sqlite::Db> writer_;  // Guarded by write_mutex_.
  std::mutex read_mutex_;
  std::unique_ptr<sqlite::Db> reader_;  // Guarded by read_mutex_; null for ":memory:".
  // The thread inside RunInTransaction; written only with write_mutex_ held.
  std::atomic<std::thread::id> transaction_owner_{};
};

}  // namespace mh::store
