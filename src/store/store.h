// Store: the durable state of companies: an append-only event log, sessions, work items
// with dependencies and comments, leases and once-only effect records.
//
// `Store` is the interface every layer uses; OpenSqliteStore() makes the embedded SQLite
// implementation (a PostgreSQL one will sit beside it). Nothing here is SQL-specific.
//
// Durability: a write returns only after it is committed. With Durability::kFull that
// commit is on disk (fsync) when the call returns, so "recorded before acknowledged" holds
// across power loss. Durability::kNormal skips the fsync at commit: a committed write
// survives a crash of this process (kill -9), but the last writes may be lost if the
// machine loses power. kNormal is several times faster for single appends.
//
// Errors common to every call: kResourceExhausted when the disk (or the configured size
// limit) is full, kUnavailable when the database stays locked by another process past
// the busy timeout or an I/O error occurs, kDataLoss when the file is corrupt, and
// kInvalidArgument for an empty required field. Each message names the database path.
//
// Thread-safety: every method may be called from any thread. Writes are serialised;
// reads run concurrently with writes and see every write that returned before they began.
// Several processes may open the same file; they serialise on the database's lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/records.h"

namespace mh::store {

class Store {
 public:
  virtual ~Store() = default;

  // --- Events: append-only, with a global sequence number that has no gaps. ---

  // Appends one event; returns its sequence number once it is durable.
  virtual Result<int64_t> AppendEvent(const NewEvent& event) = 0;
  // Appends all of `events` atomically (all or none) with consecutive sequence numbers.
  // An empty batch appends nothing and returns {0, 0}.
  virtual Result<SeqRange> AppendEvents(std::span<const NewEvent> events) = 0;
  // Up to `limit` events of `company_id` with seq > `after_seq`, in sequence order.
  virtual Result<std::vector<Event>> ReadEvents(std::string_view company_id, int64_t after_seq,
                                                int64_t limit) = 0;
  // Up to `limit` events of `session_id` with seq > `after_seq`, in sequence order.
  virtual Result<std::vector<Event>> ReadSessionEvents(std::string_view session_id,
                                                       int64_t after_seq, int64_t limit) = 0;
  // The sequence number of the newest event, 0 when there is none.
  virtual Result<int64_t> LastSeq() = 0;

  // --- Sessions. ---

  // Errors: kAlreadyExists for a taken id, kNotFound for a missing work item.
  virtual Status CreateSession(const SessionRecord& session) = 0;
  // Errors: kNotFound.
  virtual Result<SessionRecord> GetSession(std::string_view id) = 0;
  // Replaces state and state blob and bumps updated_at. Errors: kNotFound.
  virtual Status UpdateSession(std::string_view id, std::string_view state,
                               std::string_view state_blob) = 0;
  // Sessions of a company, oldest first; only those in `state` when given.
  virtual Result<std::vector<SessionRecord>> ListSessions(
      std::string_view company_id, std::optional<std::string_view> state) = 0;

  // --- Work items, dependencies, comments. ---

  // Errors: kAlreadyExists for a taken id, kNotFound for a missing parent.
  virtual Status CreateWorkItem(const WorkItem& item) = 0;
  // Errors: kNotFound.
  virtual Result<WorkItem> GetWorkItem(std::string_view id) = 0;
  // Replaces every field but id, company and created_at; bumps updated_at.
  // Errors: kNotFound for the item or its parent; kFailedPrecondition when the parent
  // chain would become a cycle.
  virtual Status UpdateWorkItem(const WorkItem& item) = 0;
  // A company's work items matching `filter`, by priority (highest first) then age.
  virtual Result<std::vector<WorkItem>> ListWorkItems(std::string_view company_id,
                                                      const WorkItemFilter& filter) = 0;
  // Records that `item_id` cannot finish before `depends_on_id`. Adding an existing
  // dependency is a no-op. Errors: kNotFound for either item; kFailedPrecondition when
  // it would make a cycle (including an item depending on itself).
  virtual Status AddDependency(std::string_view item_id, std::string_view depends_on_id) = 0;
  // Errors: kNotFound when there is no such dependency.
  virtual Status RemoveDependency(std::string_view item_id, std::string_view depends_on_id) = 0;
  // The ids `item_id` depends on, sorted.
  virtual Result<std::vector<std::string>> ListDependencies(std::string_view item_id) = 0;
  // Returns the new comment's id. Errors: kNotFound for a missing work item.
  virtual Result<int64_t> AddComment(std::string_view work_item_id, std::string_view author,
                                     std::string_view body) = 0;
  // A work item's comments, oldest first.
  virtual Result<std::vector<Comment>> ListComments(std::string_view work_item_id) = 0;

  // --- Leases: compare-and-set claims, safe across threads and processes. ---

  // Takes lease `name` for `holder` until now + ttl if it is free, expired, or already
  // held by `holder` (which renews it). Returns false when someone else holds it.
  virtual Result<bool> AcquireLease(std::string_view name, std::string_view holder,
                                    std::chrono::milliseconds ttl) = 0;
  // Extends a lease `holder` still holds to now + ttl. Errors: kFailedPrecondition when
  // the lease is held by another, has expired or does not exist.
  virtual Status RenewLease(std::string_view name, std::string_view holder,
                            std::chrono::milliseconds ttl) = 0;
  // Gives up the lease if `holder` holds it; otherwise does nothing (idempotent).
  virtual Status ReleaseLease(std::string_view name, std::string_view holder) = 0;
  // The unexpired lease named `name`, or nullopt when it is free.
  virtual Result<std::optional<Lease>> GetLease(std::string_view name) = 0;

  // --- Effects done once (merge, tag, push). ---

  // Records effect `key` with `detail` if it is not recorded yet. Returns true when this
  // call recorded it (the caller should perform the effect), false when it already was.
  virtual Result<bool> RecordEffectOnce(std::string_view key, std::string_view detail) = 0;
  // The detail recorded for `key`, or nullopt.
  virtual Result<std::optional<std::string>> GetEffect(std::string_view key) = 0;

  // --- Transactions. ---

  // Runs `body` atomically: calls it makes on this store from this thread join one
  // transaction, committed when `body` returns Ok and rolled back otherwise (the error
  // is returned). Other threads' writes wait until it ends; their reads see the state
  // before it. Nests. `body` must not wait on another thread that writes to the store.
  virtual Status RunInTransaction(const std::function<Status(Store&)>& body) = 0;
};

enum class Durability {
  kFull,    // fsync at every commit: survives power loss.
  kNormal,  // no fsync at commit: survives a process crash, not power loss.
};

struct SqliteStoreOptions {
  Durability durability = Durability::kFull;
  // How long a write waits for another process's lock before kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Source of record times; must outlive the store. Null means SystemClock().
  const Clock* clock = nullptr;
  // Largest database file size; writes beyond it fail like a full disk. 0 = no limit.
  int64_t max_size_bytes = 0;
};

// Opens (creating if absent) the SQLite database at `path` and migrates its schema to the
// newest version. Errors: kDataLoss when the file is not a SQLite database or is corrupt;
// kFailedPrecondition when its schema is newer than this build knows; kPermissionDenied
// or kUnavailable when it cannot be opened.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteStoreOptions& options = {});

}  // namespace mh::store
