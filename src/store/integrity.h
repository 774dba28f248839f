// A check of a store file as SQLite sees it, for `macrohard doctor`.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace mh::store {

// Runs SQLite's `PRAGMA integrity_check` on the database at `path`, opened read-only (not
// created, not migrated): the problems it reports, empty when the file is sound.
// Errors: kNotFound when there is no file; kDataLoss when it is not a SQLite database.
Result<std::vector<std::string>> CheckSqliteIntegrity(const std::string& path);

}  // namespace mh::store
