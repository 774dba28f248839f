#include "store/sqlite.h"

#include <fmt/format.h>

namespace mh::store::sqlite {

Status ErrorFromCode(int rc, std::string_view what, std::string_view path,
                     std::string_view detail) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return ResourceExhaustedError(fmt::format("disk full while {} to {}", what, path));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(fmt::format(
          "database {} stayed locked by another connection while {}: {}", path, what, detail));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(fmt::format("{} is not a SQLite database or is corrupt ({}) while {}",
                                       path, detail, what));
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return PermissionDeniedError(
          fmt::format("permission denied while {} in {}: {}", what, path, detail));
    case SQLITE_CANTOPEN:
      return UnavailableError(fmt::format("cannot open database {}: {}", path, detail));
    case SQLITE_IOERR:
      return UnavailableError(fmt::format("I/O error while {} in {}: {}", what, path, detail));
    case SQLITE_CONSTRAINT:
      return FailedPreconditionError(fmt::format("{} in {}: {}", what, path, detail));
    default:
      return InternalError(fmt::format("{} in {}: {} (sqlite code {})", what, path, detail, rc));
  }
}

// --- Statement ---

Statement::Statement(Db& db, sqlite3_stmt* stmt, std::string_view what)
    : db_(&db), stmt_(stmt), what_(what) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), what_(other.what_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

void Statement::NoteBind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::Bind(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so `value` need not outlive the step.
  NoteBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::string>& value) {
  if (!value.has_value()) return BindNull(index);
  return Bind(index, std::string_view(*value));
}

Statement& Statement::BindNull(int index) {
  NoteBind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return db_->Error(bind_rc_, what_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, what_);
}

Status Statement::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

// --- Db ---

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, const OpenParams& params) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (params.create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  ConnectionHandle handle(raw);  // Owns the connection even when opening failed.
  if (rc != SQLITE_OK) {
    std::string detail = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return ErrorFromCode(rc, "opening", path, detail);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, params.busy_timeout_ms);
  return std::unique_ptr<Db>(new Db(std::move(handle), path));
}

Status Db::Error(int rc, std::string_view what) const {
  return ErrorFromCode(rc, what, path_, sqlite3_errmsg(handle_.get()));
}

Status Db::Exec(std::string_view sql, std::string_view what) {
  char* message = nullptr;
  int rc = sqlite3_exec(handle_.get(), std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return ErrorFromCode(rc, what, path_, detail);
}

Result<Statement> Db::Prepare(std::string_view sql, std::string_view what) {
  std::string key(sql);
  auto it = statements_.find(key);
  if (it == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(handle_.get(), key.c_str(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StatementHandle handle(raw);
    if (rc != SQLITE_OK) return Error(rc, what);
    it = statements_.emplace(std::move(key), std::move(handle)).first;
  }
  // A cached statement is shared by every user of the same SQL text; two at once would
  // step on each other.
  MH_CHECK(!sqlite3_stmt_busy(it->second.get()));
  return Statement(*this, it->second.get(), what);
}

Status Db::Run(std::string_view sql, std::string_view what) {
  ASSIGN_OR_RETURN(Statement stmt, Prepare(sql, what));
  return stmt.Run();
}

Result<int64_t> Db::QueryInt(std::string_view sql, std::string_view what) {
  ASSIGN_OR_RETURN(Statement stmt, Prepare(sql, what));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return InternalError(fmt::format("{} in {}: no result", what, path_));
  return stmt.Int(0);
}

// --- Transaction ---

Result<Transaction> Transaction::Begin(Db& db, std::string_view what) {
  const char* sql = db.transaction_depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT mh_nested";
  RETURN_IF_ERROR(db.Run(sql, what));
  ++db.transaction_depth;
  return Transaction(db, what);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_), what_(other.what_), open_(other.open_) {
  other.open_ = false;
}

Transaction::~Transaction() {
  if (open_) Rollback();
}

Status Transaction::Commit() {
  MH_CHECK(open_);
  bool outermost = db_->transaction_depth == 1;
  Status status = db_->Run(outermost ? "COMMIT" : "RELEASE mh_nested", what_);
  if (!status.ok()) {
    Rollback();
    return status;
  }
  open_ = false;
  --db_->transaction_depth;
  return Status::Ok();
}

void Transaction::Rollback() {
  open_ = false;
  bool outermost = db_->transaction_depth == 1;
  --db_->transaction_depth;
  // Errors here are ignored: the statement that failed already reported why, and SQLite
  // may have rolled the transaction back by itself (e.g. on a full disk).
  if (outermost) {
    if (db_->InTransaction()) (void)db_->Exec("ROLLBACK", what_);
  } else {
    (void)db_->Exec("ROLLBACK TO mh_nested; RELEASE mh_nested", what_);
  }
}

}  // namespace mh::store::sqlite
