#include "store/migrations.h"

#include <fmt/format.h>

namespace mh::store {
namespace {

// Version 1: the event log. Sequence numbers are the rowid without AUTOINCREMENT, so a
// rolled-back append leaves no gap; triggers keep the log append-only.
constexpr std::string_view kEventsSchema = R"sql(
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  company_id TEXT NOT NULL,
  session_id TEXT,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  time_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX events_by_company ON events(company_id, seq);
CREATE INDEX events_by_session ON events(session_id, seq) WHERE session_id IS NOT NULL;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
)sql";

// Version 2: the tracker (work items, dependencies, comments) and sessions.
constexpr std::string_view kTrackerSchema = R"sql(
CREATE TABLE work_items (
  id TEXT PRIMARY KEY,
  company_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  parent_id TEXT REFERENCES work_items(id),
  priority INTEGER NOT NULL,
  assignee TEXT,
  labels TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX work_items_by_company ON work_items(company_id, state);
CREATE INDEX work_items_by_parent ON work_items(parent_id);
CREATE TABLE work_item_deps (
  item_id TEXT NOT NULL REFERENCES work_items(id),
  depends_on_id TEXT NOT NULL REFERENCES work_items(id),
  PRIMARY KEY (item_id, depends_on_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX work_item_deps_reverse ON work_item_deps(depends_on_id);
CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  work_item_id TEXT NOT NULL REFERENCES work_items(id),
  author TEXT NOT NULL,
  body TEXT NOT NULL,
  created_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_by_item ON comments(work_item_id, id);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  company_id TEXT NOT NULL,
  work_item_id TEXT REFERENCES work_items(id),
  role TEXT NOT NULL,
  state TEXT NOT NULL,
  state_blob TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_company ON sessions(company_id, state);
)sql";

// Version 3: leases and once-only effects.
constexpr std::string_view kCoordinationSchema = R"sql(
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE effects (
  key TEXT PRIMARY KEY,
  detail TEXT NOT NULL,
  done_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

constexpr Migration kMigrations[] = {
    {1, kEventsSchema},
    {2, kTrackerSchema},
    {3, kCoordinationSchema},
};

Status ApplyOne(sqlite::Db& db, const Migration& migration) {
  ASSIGN_OR_RETURN(sqlite::Transaction txn, sqlite::Transaction::Begin(db, "migrating the schema"));
  ASSIGN_OR_RETURN(int64_t current, SchemaVersion(db));
  if (current >= migration.version) return Status::Ok();  // Another process got here first.
  Status status = db.Exec(migration.sql, "migrating the schema");
  if (!status.ok()) {
    return status.WithContext(fmt::format("schema migration {}", migration.version));
  }
  RETURN_IF_ERROR(
      db.Exec(fmt::format("PRAGMA user_version = {}", migration.version), "migrating the schema"));
  return txn.Commit();
}

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

Result<int64_t> SchemaVersion(sqlite::Db& db) {
  return db.QueryInt("PRAGMA user_version", "reading the schema version");
}

Status Migrate(sqlite::Db& db, std::span<const Migration> migrations) {
  ASSIGN_OR_RETURN(int64_t version, SchemaVersion(db));
  int64_t newest = migrations.empty() ? 0 : migrations.back().version;
  if (version > newest) {
    return FailedPreconditionError(
        fmt::format("database {} has schema version {}, newer than this build supports ({}); "
                    "use a newer macrohard",
                    db.path(), version, newest));
  }
  for (const Migration& migration : migrations) {
    MH_CHECK(migration.version >= 1);
    if (migration.version <= version) continue;
    RETURN_IF_ERROR(ApplyOne(db, migration));
  }
  return Status::Ok();
}

}  // namespace mh::store
