// CheckSqliteIntegrity: SQLite's own check of a store file, for `macrohard doctor`.
#include "store/integrity.h"

#include <sqlite3.h>

#include <filesystem>

#include "store/store.h"

namespace mh::store {

Result<std::vector<std::string>> CheckSqliteIntegrity(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFoundError("no store at " + path);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  auto close = [&] { sqlite3_close(db); };
  if (rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    close();
    return DataLossError("cannot open the store " + path + ": " + why);
  }
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db);
    close();
    return DataLossError("the store " + path + " is not a SQLite database: " + why);
  }
  std::vector<std::string> problems;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    std::string line = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    if (line != "ok") problems.push_back(line);
  }
  std::string why = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  close();
  if (!why.empty()) return DataLossError("the store " + path + " cannot be read: " + why);
  return problems;
}

}  // namespace mh::store
