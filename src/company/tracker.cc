#include "company/tracker.h"

#include <algorithm>

#include "base/secrets.h"

namespace mh::company {

bool IsFinished(std::string_view state) {
  return state == states::kDone || state == states::kClosed;
}

bool HasLabel(std::string_view labels, std::string_view label) {
  size_t start = 0;
  while (start <= labels.size()) {
    size_t end = labels.find(',', start);
    if (end == std::string_view::npos) end = labels.size();
    if (labels.substr(start, end - start) == label) return true;
    start = end + 1;
  }
  return false;
}

std::string WithLabel(const std::string& labels, const std::string& label) {
  if (HasLabel(labels, label)) return labels;
  return labels.empty() ? label : labels + "," + label;
}

std::string DescribeItem(const store::WorkItem& item) {
  return "#" + item.id + " " + item.kind + " [" + item.state + "] " + item.title;
}

Status Tracker::Record(std::string_view kind, const Json& payload) {
  return store_
      .AppendEvent({.company_id = company_id_,
                    .session_id = std::nullopt,
                    .kind = std::string(kind),
                    .payload = RedactSecrets(DumpJson(payload))})
      .status();
}

Result<store::WorkItem> Tracker::File(const NewWorkItem& item) {
  if (item.title.empty() || item.kind.empty()) {
    return InvalidArgumentError("a work item needs a kind and a title");
  }
  store::WorkItem created;
  RETURN_IF_ERROR(store_.RunInTransaction([&](store::Store& s) -> Status {
    ASSIGN_OR_RETURN(std::vector<store::WorkItem> all, s.ListWorkItems(company_id_, {}));
    int64_t next = 1;
    for (const store::WorkItem& w : all) {
      next = std::max<int64_t>(next, std::strtoll(w.id.c_str(), nullptr, 10) + 1);
    }
    created = {.id = std::to_string(next),
               .company_id = company_id_,
               .kind = item.kind,
               .state = states::kOpen,
               .title = item.title,
               .body = item.body,
               .parent_id = item.parent_id,
               .priority = item.priority,
               .assignee = std::nullopt,
               .labels = item.labels};
    RETURN_IF_ERROR(s.CreateWorkItem(created));
    for (const std::string& dep : item.depends_on) {
      RETURN_IF_ERROR(s.AddDependency(created.id, dep));
    }
    return Record("item_filed", {{"item", created.id},
                                 {"kind", item.kind},
                                 {"title", item.title},
                                 {"author", item.author},
                                 {"depends_on", item.depends_on}});
  }));
  return created;
}

Result<store::WorkItem> Tracker::Get(std::string_view id) const {
  ASSIGN_OR_RETURN(store::WorkItem item, store_.GetWorkItem(id));
  if (item.company_id != company_id_) return NotFoundError("no work item #" + std::string(id));
  return item;
}

Result<std::vector<store::WorkItem>> Tracker::List(std::optional<std::string> state) const {
  store::WorkItemFilter filter;
  filter.state = std::move(state);
  return store_.ListWorkItems(company_id_, filter);
}

Status Tracker::Transition(std::string_view id, std::string_view to, std::string_view reason,
                           std::optional<std::string> assignee) {
  return store_.RunInTransaction([&](store::Store& s) -> Status {
    ASSIGN_OR_RETURN(store::WorkItem item, s.GetWorkItem(id));
    if (item.state == to && (!assignee || item.assignee == assignee)) return Status::Ok();
    std::string from = item.state;
    item.state = std::string(to);
    if (assignee) item.assignee = assignee->empty() ? std::nullopt : assignee;
    RETURN_IF_ERROR(s.UpdateWorkItem(item));
    return Record("item_state",
                  {{"item", item.id}, {"from", from}, {"to", item.state}, {"reason", reason}});
  });
}

Status Tracker::Update(const store::WorkItem& item, std::string_view reason) {
  return store_.RunInTransaction([&](store::Store& s) -> Status {
    RETURN_IF_ERROR(s.UpdateWorkItem(item));
    return Record(
        "item_updated",
        {{"item", item.id}, {"kind", item.kind}, {"title", item.title}, {"reason", reason}});
  });
}

Result<int64_t> Tracker::Comment(std::string_view id, std::string_view author,
                                 std::string_view body) {
  int64_t comment_id = 0;
  RETURN_IF_ERROR(store_.RunInTransaction([&](store::Store& s) -> Status {
    ASSIGN_OR_RETURN(comment_id, s.AddComment(id, author, RedactSecrets(std::string(body))));
    return Record("comment", {{"item", id}, {"author", author}, {"comment", comment_id}});
  }));
  return comment_id;
}

Status Tracker::AddDependency(std::string_view id, std::string_view depends_on) {
  return store_.AddDependency(id, depends_on);
}

Result<std::vector<std::string>> Tracker::Dependencies(std::string_view id) const {
  return store_.ListDependencies(id);
}

Result<bool> Tracker::DependenciesFinished(std::string_view id) const {
  ASSIGN_OR_RETURN(std::vector<std::string> deps, store_.ListDependencies(id));
  for (const std::string& dep : deps) {
    ASSIGN_OR_RETURN(store::WorkItem item, store_.GetWorkItem(dep));
    if (!IsFinished(item.state)) return false;
  }
  return true;
}

namespace {

// Company-wide events (no session) that `keep` accepts, oldest first.
template <typename Keep>
Result<std::vector<ChangeEvent>> CompanyEvents(store::Store& store, const std::string& company,
                                               Keep keep) {
  std::vector<ChangeEvent> out;
  int64_t after = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<store::Event> page, store.ReadEvents(company, after, 2000));
    if (page.empty()) return out;
    after = page.back().seq;
    for (const store::Event& e : page) {
      if (e.session_id.has_value()) continue;
      Result<Json> payload = ParseJson(e.payload);
      if (!payload.ok()) continue;
      ChangeEvent event{e.seq, e.kind, std::move(*payload)};
      if (keep(event)) out.push_back(std::move(event));
    }
  }
}

}  // namespace

Result<std::vector<ChangeEvent>> Tracker::ChangeHistory(std::string_view id) const {
  return CompanyEvents(store_, company_id_, [&](const ChangeEvent& e) {
    static const char* const kKinds[] = {"change_submitted", "ci_run", "review", "merged",
                                         "tagged"};
    bool change = std::any_of(std::begin(kKinds), std::end(kKinds),
                              [&](const char* k) { return e.kind == k; });
    return change && e.payload.value("item", "") == id;
  });
}

}  // namespace mh::company
