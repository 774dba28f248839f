// Spend per company, role and work item, and the budgets that stop the company.
#include <cstdio>

#include "company/company_impl.h"

namespace mh::company {
namespace {

std::string Count(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Usd(double usd) {
  char text[32];
  std::snprintf(text, sizeof(text), "$%.4f", usd);
  return text;
}

// Describes `spent` against `budget` when the budget is reached.
std::optional<std::string> Reached(const std::string& who, const Spend& spent, const Budget& budget,
                                   const std::string& key) {
  if (budget.tokens > 0 && spent.tokens >= budget.tokens) {
    return "budget exhausted: " + who + " spent " + Count(spent.tokens) + " tokens of " +
           Count(budget.tokens) + " (" + key + "tokens)";
  }
  if (budget.usd > 0 && spent.usd >= budget.usd) {
    return "budget exhausted: " + who + " spent " + Usd(spent.usd) + " of " + Usd(budget.usd) +
           " (" + key + "usd)";
  }
  return std::nullopt;
}

}  // namespace

void Ledger::Add(const std::string& role, const std::string& item, int64_t tokens, double usd) {
  std::lock_guard<std::mutex> lock(mutex_);
  total_.Add(tokens, usd);
  roles_[role].Add(tokens, usd);
  items_[item].Add(tokens, usd);
}

Spend Ledger::total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_;
}

Spend Ledger::role(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = roles_.find(name);
  return it == roles_.end() ? Spend{} : it->second;
}

Spend Ledger::item(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = items_.find(id);
  return it == items_.end() ? Spend{} : it->second;
}

std::optional<std::string> Ledger::Exhausted(const Charter& charter, const std::string& role,
                                             const std::string& item) const {
  if (auto why = Reached("the company", total(), charter.budget, "[budget] ")) return why;
  if (!role.empty()) {
    auto it = charter.roles.find(role);
    if (it != charter.roles.end()) {
      if (auto why = Reached("the " + role + " role", this->role(role), it->second.budget,
                             "[roles." + role + "] budget_")) {
        return why;
      }
    }
  }
  if (!item.empty()) {
    if (auto why = Reached("work item #" + item, this->item(item), charter.item_budget,
                           "[budget] item_")) {
      return why;
    }
  }
  return std::nullopt;
}

Status Company::Impl::LoadLedger() {
  ASSIGN_OR_RETURN(std::vector<store::SessionRecord> sessions,
                   deps_.store->ListSessions(tracker_.company_id(), std::nullopt));
  std::map<std::string, std::pair<std::string, std::string>> owner;  // id -> role, item
  for (const store::SessionRecord& s : sessions) {
    Result<Json> blob = ParseJson(s.state_blob);
    std::string item = blob.ok() ? blob->value("item", "") : "";
    owner[s.id] = {s.role, item};
  }
  int64_t after = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<store::Event> page,
                     deps_.store->ReadEvents(tracker_.company_id(), after, 5000));
    if (page.empty()) return Status::Ok();
    after = page.back().seq;
    for (const store::Event& e : page) {
      if (e.kind != "model_reply" || !e.session_id) continue;
      Result<Json> p = ParseJson(e.payload);
      if (!p.ok()) continue;
      const Json usage = p->value("usage", Json::object());
      int64_t tokens = usage.value("input_tokens", int64_t{0}) +
                       usage.value("output_tokens", int64_t{0}) +
                       usage.value("cache_read_tokens", int64_t{0}) +
                       usage.value("cache_write_tokens", int64_t{0}) +
                       usage.value("reasoning_tokens", int64_t{0});
      auto [role, item] = owner[*e.session_id];
      ledger_.Add(role, item, tokens, p->value("cost_usd", 0.0));
    }
  }
}

void Company::Impl::OnStep(const std::string& role, const std::string& item,
                           const agent::StepReport& step) {
  const llm::Usage& u = step.usage;
  ledger_.Add(role, item, u.total(), step.cost_usd);
  if (auto why = ledger_.Exhausted(charter_, role, item)) {
    {
      std::lock_guard<std::mutex> lock(inbox_mutex_);
      if (!pending_budget_stop_) pending_budget_stop_ = *why;
    }
    inbox_wake_.notify_one();
  }
}

void Company::Impl::StopForBudget(const std::string& why) {
  if (!budget_stop_) {
    budget_stop_ = why;
    Say("stopping: " + why);
  }
}

}  // namespace mh::company
