// SqliteStore: leases and once-only effects. Each operation is a single statement whose
// WHERE clause is the compare in compare-and-set, run under the database write lock, so
// two connections (threads or processes) can never both win.
#include <fmt/format.h>

#include "store/sqlite_store.h"

namespace mh::store {
namespace {

using sqlite::Db;
using sqlite::Statement;

Status ValidateLease(std::string_view name, std::string_view holder) {
  if (name.empty()) return InvalidArgumentError("lease name must not be empty");
  if (holder.empty()) return InvalidArgumentError("lease holder must not be empty");
  return Status::Ok();
}

Status ValidateTtl(std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return InvalidArgumentError("lease ttl must be positive");
  return Status::Ok();
}

}  // namespace

Result<bool> SqliteStore::AcquireLease(std::string_view name, std::string_view holder,
                                       std::chrono::milliseconds ttl) {
  RETURN_IF_ERROR(ValidateLease(name, holder));
  RETURN_IF_ERROR(ValidateTtl(ttl));
  return Write("acquiring a lease", [&](Db& db) -> Result<bool> {
    const int64_t now_ms = NowMs();
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("INSERT INTO leases (name, holder, expires_ms) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                                "expires_ms = excluded.expires_ms "
                                "WHERE leases.expires_ms <= ?4 OR leases.holder = excluded.holder",
                                "acquiring a lease"));
    stmt.Bind(1, name).Bind(2, holder).Bind(3, now_ms + ttl.count()).Bind(4, now_ms);
    RETURN_IF_ERROR(stmt.Run());
    return db.Changes() == 1;
  });
}

Status SqliteStore::RenewLease(std::string_view name, std::string_view holder,
                               std::chrono::milliseconds ttl) {
  RETURN_IF_ERROR(ValidateLease(name, holder));
  RETURN_IF_ERROR(ValidateTtl(ttl));
  return Write("renewing a lease", [&](Db& db) -> Status {
    const int64_t now_ms = NowMs();
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("UPDATE leases SET expires_ms = ?3 WHERE name = ?1 AND "
                                "holder = ?2 AND expires_ms > ?4",
                                "renewing a lease"));
    stmt.Bind(1, name).Bind(2, holder).Bind(3, now_ms + ttl.count()).Bind(4, now_ms);
    RETURN_IF_ERROR(stmt.Run());
    if (db.Changes() == 0) {
      return FailedPreconditionError(fmt::format(
          "lease {} is not held by {} (it expired, was released or was taken)", name, holder));
    }
    return Status::Ok();
  });
}

Status SqliteStore::ReleaseLease(std::string_view name, std::string_view holder) {
  RETURN_IF_ERROR(ValidateLease(name, holder));
  return Write("releasing a lease", [&](Db& db) -> Status {
    ASSIGN_OR_RETURN(
        Statement stmt,
        db.Prepare("DELETE FROM leases WHERE name = ?1 AND holder = ?2", "releasing a lease"));
    stmt.Bind(1, name).Bind(2, holder);
    return stmt.Run();
  });
}

Result<std::optional<Lease>> SqliteStore::GetLease(std::string_view name) {
  return Read([&](Db& db) -> Result<std::optional<Lease>> {
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("SELECT holder, expires_ms FROM leases WHERE name = ?1 AND "
                                "expires_ms > ?2",
                                "reading a lease"));
    stmt.Bind(1, name).Bind(2, NowMs());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Lease>();
    return std::optional<Lease>(Lease{.name = std::string(name),
                                      .holder = stmt.Text(0),
                                      .expires_at = FromUnixMillis(stmt.Int(1))});
  });
}

Result<bool> SqliteStore::RecordEffectOnce(std::string_view key, std::string_view detail) {
  if (key.empty()) return InvalidArgumentError("effect key must not be empty");
  return Write("recording an effect", [&](Db& db) -> Result<bool> {
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("INSERT INTO effects (key, detail, done_ms) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT (key) DO NOTHING",
                                "recording an effect"));
    stmt.Bind(1, key).Bind(2, detail).Bind(3, NowMs());
    RETURN_IF_ERROR(stmt.Run());
    return db.Changes() == 1;
  });
}

Result<std::optional<std::string>> SqliteStore::GetEffect(std::string_view key) {
  return Read([&](Db& db) -> Result<std::optional<std::string>> {
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("SELECT detail FROM effects WHERE key = ?1", "reading an effect"));
    stmt.Bind(1, key);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(stmt.Text(0));
  });
}

}  // namespace mh::store
