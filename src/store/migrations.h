// Schema migrations for the SQLite store, private to store/.
//
// The schema version lives in PRAGMA user_version (0 for a new file). Migration N takes
// version N-1 to N; each runs in its own transaction together with the version bump, so
// a crash leaves the database at the old or the new version, never between.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/status.h"
#include "store/sqlite.h"

namespace mh::store {

struct Migration {
  int64_t version;
  std::string_view sql;  // One or more statements.
};

// The store's migrations, versions 1, 2, 3, ... in order.
std::span<const Migration> SchemaMigrations();

// Reads the schema version. Errors: kDataLoss when the file is not a SQLite database.
Result<int64_t> SchemaVersion(sqlite::Db& db);

// Applies the migrations of `migrations` (versions 1..N in order) newer than the database.
// Safe when several processes migrate at once: each step re-reads the version inside its
// transaction. Errors: kFailedPrecondition when the database is newer than N; a failing
// migration's error (the database stays at the version before it).
Status Migrate(sqlite::Db& db, std::span<const Migration> migrations);

}  // namespace mh::store
