// SqliteStore: opening, events and transactions. Tracker tables live in
// sqlite_store_tracker.cc, leases and effects in sqlite_store_leases.cc.
#include "store/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "store/migrations.h"

namespace mh::store {
namespace {

using sqlite::Db;
using sqlite::Statement;

constexpr std::string_view kAppending = "appending events";
constexpr std::string_view kReadingEvents = "reading events";

Status ConfigureWriter(Db& db, const SqliteStoreOptions& options, bool in_memory) {
  // The first read of the file: a non-database or corrupt header fails here, clearly.
  RETURN_IF_ERROR(SchemaVersion(db).status());
  {
    ASSIGN_OR_RETURN(Statement stmt, db.Prepare("PRAGMA journal_mode = WAL", "enabling WAL"));
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!in_memory && (!row || stmt.Text(0) != "wal")) {
      return UnavailableError(fmt::format("cannot enable WAL journaling on {}", db.path()));
    }
  }
  const char* sync = options.durability == Durability::kFull ? "PRAGMA synchronous = FULL"
                                                             : "PRAGMA synchronous = NORMAL";
  RETURN_IF_ERROR(db.Exec(sync, "configuring durability"));
  RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys = ON", "enabling foreign keys"));
  if (options.max_size_bytes > 0) {
    ASSIGN_OR_RETURN(int64_t page_size, db.QueryInt("PRAGMA page_size", "reading page size"));
    int64_t pages = std::max<int64_t>(1, options.max_size_bytes / page_size);
    RETURN_IF_ERROR(
        db.QueryInt(fmt::format("PRAGMA max_page_count = {}", pages), "limiting the database size")
            .status());
  }
  return Status::Ok();
}

Result<std::unique_ptr<Db>> OpenReader(const std::string& path, int busy_timeout_ms) {
  ASSIGN_OR_RETURN(std::unique_ptr<Db> db,
                   Db::Open(path, {.busy_timeout_ms = busy_timeout_ms, .create = false}));
  RETURN_IF_ERROR(db->Exec("PRAGMA query_only = ON", "opening the reader"));
  return db;
}

Status ValidateEvent(const NewEvent& event) {
  if (event.company_id.empty()) return InvalidArgumentError("event has no company id");
  if (event.kind.empty()) return InvalidArgumentError("event has no kind");
  if (event.session_id.has_value() && event.session_id->empty()) {
    return InvalidArgumentError("event has an empty session id (omit it instead)");
  }
  return Status::Ok();
}

Result<int64_t> InsertEvent(Db& db, const NewEvent& event, int64_t now_ms) {
  ASSIGN_OR_RETURN(Statement stmt,
                   db.Prepare("INSERT INTO events (company_id, session_id, kind, payload, "
                              "time_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                              kAppending));
  stmt.Bind(1, std::string_view(event.company_id))
      .Bind(2, event.session_id)
      .Bind(3, std::string_view(event.kind))
      .Bind(4, std::string_view(event.payload))
      .Bind(5, now_ms);
  RETURN_IF_ERROR(stmt.Run());
  return db.LastInsertRowid();
}

// Runs a SELECT of (seq, company_id, session_id, kind, payload, time_ms) bound to
// (key, after_seq, limit).
Result<std::vector<Event>> QueryEvents(Db& db, std::string_view sql, std::string_view key,
                                       int64_t after_seq, int64_t limit) {
  ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql, kReadingEvents));
  stmt.Bind(1, key).Bind(2, after_seq).Bind(3, limit);
  std::vector<Event> events;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return events;
    events.push_back(Event{.seq = stmt.Int(0),
                           .company_id = stmt.Text(1),
                           .session_id = stmt.OptionalText(2),
                           .kind = stmt.Text(3),
                           .payload = stmt.Text(4),
                           .time = FromUnixMillis(stmt.Int(5))});
  }
}

Status ValidateRead(int64_t after_seq, int64_t limit) {
  if (after_seq < 0) return InvalidArgumentError("after_seq must not be negative");
  if (limit < 0) return InvalidArgumentError("limit must not be negative");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const SqliteStoreOptions& options) {
  const int busy_ms = static_cast<int>(options.busy_timeout.count());
  const bool in_memory = path.empty() || path == ":memory:";
  ASSIGN_OR_RETURN(std::unique_ptr<Db> writer,
                   Db::Open(path, {.busy_timeout_ms = busy_ms, .create = true}));
  RETURN_IF_ERROR(ConfigureWriter(*writer, options, in_memory));
  RETURN_IF_ERROR(Migrate(*writer, SchemaMigrations()));
  std::unique_ptr<Db> reader;
  if (!in_memory) {
    ASSIGN_OR_RETURN(reader, OpenReader(path, busy_ms));
  }
  const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(writer), std::move(reader), clock));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteStoreOptions& options) {
  try {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, SqliteStore::Open(path, options));
    return std::unique_ptr<Store>(std::move(store));
  } catch (const std::exception& e) {
    return InternalError(fmt::format("opening store {}: {}", path, e.what()));
  }
}

// --- Events ---

Result<int64_t> SqliteStore::AppendEvent(const NewEvent& event) {
  RETURN_IF_ERROR(ValidateEvent(event));
  return Write(kAppending, [&](Db& db) { return InsertEvent(db, event, NowMs()); });
}

Result<SeqRange> SqliteStore::AppendEvents(std::span<const NewEvent> events) {
  if (events.empty()) return SeqRange{};
  for (const NewEvent& event : events) RETURN_IF_ERROR(ValidateEvent(event));
  return Write(kAppending, [&](Db& db) -> Result<SeqRange> {
    const int64_t now_ms = NowMs();
    SeqRange range;
    for (const NewEvent& event : events) {
      ASSIGN_OR_RETURN(int64_t seq, InsertEvent(db, event, now_ms));
      if (range.count == 0) range.first = seq;
      ++range.count;
      // The write lock is held, so the rowids of one batch are consecutive.
      MH_CHECK(seq == range.last());
    }
    return range;
  });
}

Result<std::vector<Event>> SqliteStore::ReadEvents(std::string_view company_id, int64_t after_seq,
                                                   int64_t limit) {
  RETURN_IF_ERROR(ValidateRead(after_seq, limit));
  return Read([&](Db& db) {
    return QueryEvents(db,
                       "SELECT seq, company_id, session_id, kind, payload, time_ms FROM events "
                       "WHERE company_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                       company_id, after_seq, limit);
  });
}

Result<std::vector<Event>> SqliteStore::ReadSessionEvents(std::string_view session_id,
                                                          int64_t after_seq, int64_t limit) {
  RETURN_IF_ERROR(ValidateRead(after_seq, limit));
  return Read([&](Db& db) {
    return QueryEvents(db,
                       "SELECT seq, company_id, session_id, kind, payload, time_ms FROM events "
                       "WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                       session_id, after_seq, limit);
  });
}

Result<int64_t> SqliteStore::LastSeq() {
  return Read([&](Db& db) {
    return db.QueryInt("SELECT IFNULL(MAX(seq), 0) FROM events", kReadingEvents);
  });
}

// --- Transactions ---

Status SqliteStore::RunInTransaction(const std::function<Status(Store&)>& body) {
  std::lock_guard<std::recursive_mutex> lock(write_mutex_);
  const std::thread::id self = std::this_thread::get_id();
  const bool outermost = transaction_owner_.load() != self;
  ASSIGN_OR_RETURN(sqlite::Transaction txn,
                   sqlite::Transaction::Begin(*writer_, "running a transaction"));
  transaction_owner_.store(self);
  Status status;
  try {
    status = body(*this);
  } catch (const std::exception& e) {
    status = InternalError(fmt::format("transaction body threw: {}", e.what()));
  } catch (...) {
    status = InternalError("transaction body threw a non-standard exception");
  }
  if (outermost) transaction_owner_.store(std::thread::id());
  RETURN_IF_ERROR(status);  // `txn` rolls back.
  return txn.Commit();
}

}  // namespace mh::store
