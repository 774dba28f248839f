// SqliteStore: sessions, work items, dependencies and comments.
#include <fmt/format.h>

#include "store/sqlite_store.h"

namespace mh::store {
namespace {

using sqlite::Db;
using sqlite::Statement;

constexpr std::string_view kSessionColumns =
    "id, company_id, work_item_id, role, state, state_blob, created_ms, updated_ms";
constexpr std::string_view kWorkItemColumns =
    "id, company_id, kind, state, title, body, parent_id, priority, assignee, labels, "
    "created_ms, updated_ms";

Status RequireNonEmpty(std::string_view value, std::string_view what) {
  if (value.empty()) return InvalidArgumentError(fmt::format("{} must not be empty", what));
  return Status::Ok();
}

SessionRecord SessionFromRow(const Statement& stmt) {
  return SessionRecord{.id = stmt.Text(0),
                       .company_id = stmt.Text(1),
                       .work_item_id = stmt.OptionalText(2),
                       .role = stmt.Text(3),
                       .state = stmt.Text(4),
                       .state_blob = stmt.Text(5),
                       .created_at = FromUnixMillis(stmt.Int(6)),
                       .updated_at = FromUnixMillis(stmt.Int(7))};
}

WorkItem WorkItemFromRow(const Statement& stmt) {
  return WorkItem{.id = stmt.Text(0),
                  .company_id = stmt.Text(1),
                  .kind = stmt.Text(2),
                  .state = stmt.Text(3),
                  .title = stmt.Text(4),
                  .body = stmt.Text(5),
                  .parent_id = stmt.OptionalText(6),
                  .priority = stmt.Int(7),
                  .assignee = stmt.OptionalText(8),
                  .labels = stmt.Text(9),
                  .created_at = FromUnixMillis(stmt.Int(10)),
                  .updated_at = FromUnixMillis(stmt.Int(11))};
}

// The company of work item `id`, or nullopt when there is no such item.
Result<std::optional<std::string>> ItemCompany(Db& db, std::string_view id) {
  ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT company_id FROM work_items WHERE id = ?1",
                                              "looking up a work item"));
  stmt.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.Text(0));
}

// Ok when work item `id` exists and belongs to `company_id`.
Status RequireItemOf(Db& db, std::string_view id, std::string_view company_id,
                     std::string_view role) {
  ASSIGN_OR_RETURN(std::optional<std::string> company, ItemCompany(db, id));
  if (!company.has_value()) return NotFoundError(fmt::format("{} {} not found", role, id));
  if (*company != company_id) {
    return InvalidArgumentError(
        fmt::format("{} {} belongs to company {}, not {}", role, id, *company, company_id));
  }
  return Status::Ok();
}

// Runs `stmt` (bound to ?1 = a, ?2 = b) and tells whether it returned a row.
Result<bool> Exists(Db& db, std::string_view sql, std::string_view a, std::string_view b) {
  ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql, "checking for a cycle"));
  stmt.Bind(1, a).Bind(2, b);
  return stmt.Step();
}

// True when making `parent_id` the parent of `item_id` would close a loop.
Result<bool> ParentWouldCycle(Db& db, std::string_view item_id, std::string_view parent_id) {
  return Exists(db,
                "WITH RECURSIVE up(id) AS (SELECT ?2 UNION SELECT w.parent_id FROM work_items w "
                "JOIN up ON w.id = up.id WHERE w.parent_id IS NOT NULL) "
                "SELECT 1 FROM up WHERE id = ?1 LIMIT 1",
                item_id, parent_id);
}

// True when `item_id` depending on `depends_on_id` would close a loop.
Result<bool> DependencyWouldCycle(Db& db, std::string_view item_id,
                                  std::string_view depends_on_id) {
  return Exists(db,
                "WITH RECURSIVE reach(id) AS (SELECT ?2 UNION SELECT d.depends_on_id FROM "
                "work_item_deps d JOIN reach r ON d.item_id = r.id) "
                "SELECT 1 FROM reach WHERE id = ?1 LIMIT 1",
                item_id, depends_on_id);
}

Status ValidateWorkItem(const WorkItem& item) {
  RETURN_IF_ERROR(RequireNonEmpty(item.id, "work item id"));
  RETURN_IF_ERROR(RequireNonEmpty(item.company_id, "work item company id"));
  RETURN_IF_ERROR(RequireNonEmpty(item.kind, "work item kind"));
  RETURN_IF_ERROR(RequireNonEmpty(item.state, "work item state"));
  return RequireNonEmpty(item.title, "work item title");
}

// Binds the mutable work item fields to ?3..?10.
void BindWorkItemFields(Statement& stmt, const WorkItem& item) {
  stmt.Bind(3, std::string_view(item.kind))
      .Bind(4, std::string_view(item.state))
      .Bind(5, std::string_view(item.title))
      .Bind(6, std::string_view(item.body))
      .Bind(7, item.parent_id)
      .Bind(8, item.priority)
      .Bind(9, item.assignee)
      .Bind(10, std::string_view(item.labels));
}

}  // namespace

// --- Sessions ---

Status SqliteStore::CreateSession(const SessionRecord& session) {
  RETURN_IF_ERROR(RequireNonEmpty(session.id, "session id"));
  RETURN_IF_ERROR(RequireNonEmpty(session.company_id, "session company id"));
  RETURN_IF_ERROR(RequireNonEmpty(session.role, "session role"));
  RETURN_IF_ERROR(RequireNonEmpty(session.state, "session state"));
  return Write("creating a session", [&](Db& db) -> Status {
    if (session.work_item_id.has_value()) {
      RETURN_IF_ERROR(RequireItemOf(db, *session.work_item_id, session.company_id, "work item"));
    }
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("INSERT INTO sessions (id, company_id, work_item_id, role, "
                                "state, state_blob, created_ms, updated_ms) VALUES "
                                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (id) DO NOTHING",
                                "creating a session"));
    stmt.Bind(1, std::string_view(session.id))
        .Bind(2, std::string_view(session.company_id))
        .Bind(3, session.work_item_id)
        .Bind(4, std::string_view(session.role))
        .Bind(5, std::string_view(session.state))
        .Bind(6, std::string_view(session.state_blob))
        .Bind(7, NowMs());
    RETURN_IF_ERROR(stmt.Run());
    if (db.Changes() == 0) {
      return AlreadyExistsError(fmt::format("session {} already exists", session.id));
    }
    return Status::Ok();
  });
}

Result<SessionRecord> SqliteStore::GetSession(std::string_view id) {
  return Read([&](Db& db) -> Result<SessionRecord> {
    ASSIGN_OR_RETURN(Statement stmt, db.Prepare(fmt::format("SELECT {} FROM sessions WHERE id = ?1",
                                                            kSessionColumns),
                                                "reading a session"));
    stmt.Bind(1, id);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFoundError(fmt::format("session {} not found", id));
    return SessionFromRow(stmt);
  });
}

Status SqliteStore::UpdateSession(std::string_view id, std::string_view state,
                                  std::string_view state_blob) {
  RETURN_IF_ERROR(RequireNonEmpty(state, "session state"));
  return Write("updating a session", [&](Db& db) -> Status {
    ASSIGN_OR_RETURN(Statement stmt, db.Prepare("UPDATE sessions SET state = ?2, state_blob = "
                                                "?3, updated_ms = ?4 WHERE id = ?1",
                                                "updating a session"));
    stmt.Bind(1, id).Bind(2, state).Bind(3, state_blob).Bind(4, NowMs());
    RETURN_IF_ERROR(stmt.Run());
    if (db.Changes() == 0) return NotFoundError(fmt::format("session {} not found", id));
    return Status::Ok();
  });
}

Result<std::vector<SessionRecord>> SqliteStore::ListSessions(
    std::string_view company_id, std::optional<std::string_view> state) {
  return Read([&](Db& db) -> Result<std::vector<SessionRecord>> {
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare(fmt::format("SELECT {} FROM sessions WHERE company_id = ?1 AND "
                                            "(?2 IS NULL OR state = ?2) ORDER BY created_ms, id",
                                            kSessionColumns),
                                "listing sessions"));
    stmt.Bind(1, company_id);
    if (state.has_value()) stmt.Bind(2, *state);
    std::vector<SessionRecord> sessions;
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return sessions;
      sessions.push_back(SessionFromRow(stmt));
    }
  });
}

// --- Work items ---

Status SqliteStore::CreateWorkItem(const WorkItem& item) {
  RETURN_IF_ERROR(ValidateWorkItem(item));
  return Write("creating a work item", [&](Db& db) -> Status {
    if (item.parent_id.has_value()) {
      RETURN_IF_ERROR(RequireItemOf(db, *item.parent_id, item.company_id, "parent work item"));
    }
    ASSIGN_OR_RETURN(
        Statement stmt,
        db.Prepare(fmt::format("INSERT INTO work_items ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                               "?7, ?8, ?9, ?10, ?11, ?11) ON CONFLICT (id) DO NOTHING",
                               kWorkItemColumns),
                   "creating a work item"));
    stmt.Bind(1, std::string_view(item.id)).Bind(2, std::string_view(item.company_id));
    BindWorkItemFields(stmt, item);
    stmt.Bind(11, NowMs());
    RETURN_IF_ERROR(stmt.Run());
    if (db.Changes() == 0) {
      return AlreadyExistsError(fmt::format("work item {} already exists", item.id));
    }
    return Status::Ok();
  });
}

Result<WorkItem> SqliteStore::GetWorkItem(std::string_view id) {
  return Read([&](Db& db) -> Result<WorkItem> {
    ASSIGN_OR_RETURN(
        Statement stmt,
        db.Prepare(fmt::format("SELECT {} FROM work_items WHERE id = ?1", kWorkItemColumns),
                   "reading a work item"));
    stmt.Bind(1, id);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFoundError(fmt::format("work item {} not found", id));
    return WorkItemFromRow(stmt);
  });
}

Status SqliteStore::UpdateWorkItem(const WorkItem& item) {
  RETURN_IF_ERROR(ValidateWorkItem(item));
  return Write("updating a work item", [&](Db& db) -> Status {
    RETURN_IF_ERROR(RequireItemOf(db, item.id, item.company_id, "work item"));
    if (item.parent_id.has_value()) {
      RETURN_IF_ERROR(RequireItemOf(db, *item.parent_id, item.company_id, "parent work item"));
      ASSIGN_OR_RETURN(bool cycle, ParentWouldCycle(db, item.id, *item.parent_id));
      if (cycle) {
        return FailedPreconditionError(fmt::format(
            "making {} the parent of {} would create a cycle", *item.parent_id, item.id));
      }
    }
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("UPDATE work_items SET kind = ?3, state = ?4, title = ?5, "
                                "body = ?6, parent_id = ?7, priority = ?8, assignee = ?9, "
                                "labels = ?10, updated_ms = ?11 WHERE id = ?1 AND "
                                "company_id = ?2",
                                "updating a work item"));
    stmt.Bind(1, std::string_view(item.id)).Bind(2, std::string_view(item.company_id));
    BindWorkItemFields(stmt, item);
    stmt.Bind(11, NowMs());
    return stmt.Run();
  });
}

Result<std::vector<WorkItem>> SqliteStore::ListWorkItems(std::string_view company_id,
                                                         const WorkItemFilter& filter) {
  return Read([&](Db& db) -> Result<std::vector<WorkItem>> {
    ASSIGN_OR_RETURN(
        Statement stmt,
        db.Prepare(fmt::format("SELECT {} FROM work_items WHERE company_id = ?1 AND (?2 IS "
                               "NULL OR state = ?2) AND (?3 IS NULL OR assignee = ?3) AND (?4 "
                               "IS NULL OR parent_id = ?4) ORDER BY priority DESC, "
                               "created_ms, id",
                               kWorkItemColumns),
                   "listing work items"));
    stmt.Bind(1, company_id).Bind(2, filter.state).Bind(3, filter.assignee);
    stmt.Bind(4, filter.parent_id);
    std::vector<WorkItem> items;
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return items;
      items.push_back(WorkItemFromRow(stmt));
    }
  });
}

// --- Dependencies and comments ---

Status SqliteStore::AddDependency(std::string_view item_id, std::string_view depends_on_id) {
  return Write("adding a dependency", [&](Db& db) -> Status {
    ASSIGN_OR_RETURN(std::optional<std::string> company, ItemCompany(db, item_id));
    if (!company.has_value()) return NotFoundError(fmt::format("work item {} not found", item_id));
    RETURN_IF_ERROR(RequireItemOf(db, depends_on_id, *company, "work item"));
    ASSIGN_OR_RETURN(bool cycle, DependencyWouldCycle(db, item_id, depends_on_id));
    if (cycle) {
      return FailedPreconditionError(fmt::format(
          "{} depending on {} would create a dependency cycle", item_id, depends_on_id));
    }
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("INSERT INTO work_item_deps (item_id, depends_on_id) VALUES "
                                "(?1, ?2) ON CONFLICT DO NOTHING",
                                "adding a dependency"));
    stmt.Bind(1, item_id).Bind(2, depends_on_id);
    return stmt.Run();
  });
}

Status SqliteStore::RemoveDependency(std::string_view item_id, std::string_view depends_on_id) {
  return Write("removing a dependency", [&](Db& db) -> Status {
    ASSIGN_OR_RETURN(Statement stmt, db.Prepare("DELETE FROM work_item_deps WHERE item_id = ?1 "
                                                "AND depends_on_id = ?2",
                                                "removing a dependency"));
    stmt.Bind(1, item_id).Bind(2, depends_on_id);
    RETURN_IF_ERROR(stmt.Run());
    if (db.Changes() == 0) {
      return NotFoundError(fmt::format("{} does not depend on {}", item_id, depends_on_id));
    }
    return Status::Ok();
  });
}

Result<std::vector<std::string>> SqliteStore::ListDependencies(std::string_view item_id) {
  return Read([&](Db& db) -> Result<std::vector<std::string>> {
    ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT depends_on_id FROM work_item_deps "
                                                "WHERE item_id = ?1 ORDER BY depends_on_id",
                                                "listing dependencies"));
    stmt.Bind(1, item_id);
    std::vector<std::string> ids;
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return ids;
      ids.push_back(stmt.Text(0));
    }
  });
}

Result<int64_t> SqliteStore::AddComment(std::string_view work_item_id, std::string_view author,
                                        std::string_view body) {
  RETURN_IF_ERROR(RequireNonEmpty(author, "comment author"));
  return Write("adding a comment", [&](Db& db) -> Result<int64_t> {
    ASSIGN_OR_RETURN(std::optional<std::string> company, ItemCompany(db, work_item_id));
    if (!company.has_value()) {
      return NotFoundError(fmt::format("work item {} not found", work_item_id));
    }
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("INSERT INTO comments (work_item_id, author, body, created_ms) "
                                "VALUES (?1, ?2, ?3, ?4)",
                                "adding a comment"));
    stmt.Bind(1, work_item_id).Bind(2, author).Bind(3, body).Bind(4, NowMs());
    RETURN_IF_ERROR(stmt.Run());
    return db.LastInsertRowid();
  });
}

Result<std::vector<Comment>> SqliteStore::ListComments(std::string_view work_item_id) {
  return Read([&](Db& db) -> Result<std::vector<Comment>> {
    ASSIGN_OR_RETURN(Statement stmt,
                     db.Prepare("SELECT id, work_item_id, author, body, created_ms FROM "
                                "comments WHERE work_item_id = ?1 ORDER BY id",
                                "listing comments"));
    stmt.Bind(1, work_item_id);
    std::vector<Comment> comments;
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return comments;
      comments.push_back(Comment{.id = stmt.Int(0),
                                 .work_item_id = stmt.Text(1),
                                 .author = stmt.Text(2),
                                 .body = stmt.Text(3),
                                 .created_at = FromUnixMillis(stmt.Int(4))});
    }
  });
}

}  // namespace mh::store
