// Thin RAII layer over the SQLite C API, private to store/.
//
// Db owns one connection (sqlite3*) and a cache of its prepared statements. Statement is
// a borrowed, cached sqlite3_stmt that is reset when it goes out of scope, so no read
// transaction stays open by accident. Transaction is BEGIN IMMEDIATE ... COMMIT, or a
// savepoint when one is already open, rolled back unless committed.
//
// Not thread-safe: a Db and its statements belong to one thread at a time (the owner
// holds a mutex around each use).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace mh::store::sqlite {

struct ConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using ConnectionHandle = std::unique_ptr<sqlite3, ConnectionCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Turns SQLite result code `rc` (from an operation described by `what`, e.g. "appending
// events") on the database at `path` into a Status whose message names both.
Status ErrorFromCode(int rc, std::string_view what, std::string_view path, std::string_view detail);

class Db;

// A prepared statement borrowed from a Db's cache. Bind parameters are 1-based, columns
// 0-based. Bind errors are kept and reported by the next Step().
class Statement {
 public:
  Statement(Db& db, sqlite3_stmt* stmt, std::string_view what);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  Statement& Bind(int index, const std::optional<std::string>& value);
  Statement& BindNull(int index);

  // true when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps until done, ignoring rows.
  Status Run();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;

 private:
  void NoteBind(int rc);

  Db* db_;
  sqlite3_stmt* stmt_;
  std::string_view what_;
  int bind_rc_ = SQLITE_OK;
};

struct OpenParams {
  int busy_timeout_ms = 5000;
  bool create = true;
};

class Db {
 public:
  // Opens `path`. Errors as ErrorFromCode.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, const OpenParams& params);

  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without results (DDL, pragmas).
  Status Exec(std::string_view sql, std::string_view what);
  // A cached statement for `sql`, reset and unbound. `what` (a string literal, kept by
  // pointer) describes the operation for error messages. At most one Statement per SQL
  // text may be alive at a time (checked).
  Result<Statement> Prepare(std::string_view sql, std::string_view what);
  // Runs one cached statement to completion (hot paths: BEGIN, COMMIT).
  Status Run(std::string_view sql, std::string_view what);
  // Runs a statement returning one integer (e.g. "PRAGMA user_version").
  Result<int64_t> QueryInt(std::string_view sql, std::string_view what);

  Status Error(int rc, std::string_view what) const;
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(handle_.get()); }
  int Changes() const { return sqlite3_changes(handle_.get()); }
  bool InTransaction() const { return sqlite3_get_autocommit(handle_.get()) == 0; }
  const std::string& path() const { return path_; }
  sqlite3* raw() const { return handle_.get(); }

  // Transaction nesting depth, kept by Transaction.
  int transaction_depth = 0;

 private:
  Db(ConnectionHandle handle, std::string path)
      : handle_(std::move(handle)), path_(std::move(path)) {}

  ConnectionHandle handle_;
  std::string path_;
  std::unordered_map<std::string, StatementHandle> statements_;
};

// BEGIN IMMEDIATE (outermost) or SAVEPOINT (nested) on construction via Begin();
// rolled back on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Db& db, std::string_view what);
  ~Transaction();
  Transaction(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;

  Status Commit();

 private:
  Transaction(Db& db, std::string_view what) : db_(&db), what_(what) {}
  void Rollback();

  Db* db_;
  std::string_view what_;
  bool open_ = true;
};

}  // namespace mh::store::sqlite
