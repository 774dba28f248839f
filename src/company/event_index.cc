#include "company/company_impl.h"

namespace mh::company {

Status EventIndex::CatchUp() {
  while (true) {
    ASSIGN_OR_RETURN(std::vector<store::Event> page,
                     tracker_.store().ReadEvents(tracker_.company_id(), after_, 2000));
    if (page.empty()) return Status::Ok();
    after_ = page.back().seq;
    for (const store::Event& e : page) {
      if (e.session_id || (e.kind != "commands_set" && e.kind != "review")) continue;
      Result<Json> payload = ParseJson(e.payload);
      if (!payload.ok()) continue;
      if (e.kind == "review") {
        reviews_[payload->value("item", "")] += 1;
      } else {
        commands_ = {payload->value("build", ""), payload->value("test", "")};
      }
    }
  }
}

Result<std::optional<std::pair<std::string, std::string>>> EventIndex::RecordedCommands() {
  std::lock_guard<std::mutex> lock(mutex_);
  RETURN_IF_ERROR(CatchUp());
  return commands_;
}

Result<int> EventIndex::Reviews(const std::string& item) {
  std::lock_guard<std::mutex> lock(mutex_);
  RETURN_IF_ERROR(CatchUp());
  auto it = reviews_.find(item);
  return it == reviews_.end() ? 0 : it->second;
}

}  // namespace mh::company
