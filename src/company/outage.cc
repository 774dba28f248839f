// A model endpoint that stopped answering is not a person's problem: the company waits
// and tries again by itself, backing off, and says so (events model_unreachable and
// model_reachable, which `status` shows).
#include <time.h>

#include <algorithm>

#include "company/company_impl.h"

namespace mh::company {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The wait before try number `failures` + 1: the charter's first wait, doubling, up to
// five minutes (or the first wait, when that is longer).
milliseconds Backoff(int64_t first_seconds, int failures) {
  seconds first(first_seconds);
  seconds cap = std::max(first, seconds(300));
  seconds wait = first;
  for (int i = 1; i < failures && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

std::string ClockTime(SystemTime t) {
  time_t seconds_since = std::chrono::system_clock::to_time_t(t);
  tm local{};
  localtime_r(&seconds_since, &local);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M", &local);
  return text;
}

}  // namespace

const std::string& Company::Impl::ModelOf(const Role& role) const {
  return role.model.empty() ? charter_.model : role.model;
}

Company::Impl::ModelGate Company::Impl::GateModel(const std::string& model) {
  auto it = outages_.find(model);
  if (it == outages_.end()) return ModelGate::kGo;
  ModelOutage& outage = it->second;
  if (outage.probing || deps_.clock->Now() < outage.next_try) return ModelGate::kWait;
  outage.probing = true;
  return ModelGate::kProbe;
}

void Company::Impl::OnModelDown(const LiveSession& live, const Status& error) {
  SystemTime now = deps_.clock->Now();
  auto [it, first] = outages_.try_emplace(live.model);
  ModelOutage& outage = it->second;
  if (!first && !live.probe) return;  // Was running when the model went: already counted.
  if (first) outage.since = now;
  outage.failures += 1;
  outage.probing = false;
  outage.reason = error.message();
  outage.next_try = now + Backoff(charter_.model_retry_seconds, outage.failures);
  any_outage_ = true;
  int64_t wait = duration_cast<seconds>(outage.next_try - now).count();
  Say("model " + live.model + " does not answer (" + outage.reason + "); #" + live.item_id +
      " waits, next try in " + std::to_string(wait) + " s");
  (void)tracker_.Record("model_unreachable", {{"model", live.model},
                                              {"since_ms", ToUnixMillis(outage.since)},
                                              {"next_try_ms", ToUnixMillis(outage.next_try)},
                                              {"failures", outage.failures},
                                              {"reason", outage.reason},
                                              {"item", live.item_id}});
}

void Company::Impl::OnModelReply(const std::string& model) {
  if (!any_outage_) return;
  Post([this, model] { ModelAnswered(model); });
}

void Company::Impl::ModelAnswered(const std::string& model) {
  auto it = outages_.find(model);
  if (it == outages_.end()) return;
  int64_t down = duration_cast<seconds>(deps_.clock->Now() - it->second.since).count();
  Say("model " + model + " answers again (it did not for " + std::to_string(down) + " s)");
  (void)tracker_.Record("model_reachable", {{"model", model}, {"down_seconds", down}});
  outages_.erase(it);
  any_outage_ = !outages_.empty();
}

void Company::Impl::OnProbeGone(const LiveSession& live) {
  if (!live.probe) return;
  auto it = outages_.find(live.model);
  if (it != outages_.end()) it->second.probing = false;
}

void Company::Impl::OnProbeEnded(const LiveSession& live, const agent::SessionResult& result) {
  bool failed = result.outcome == agent::Outcome::kFailed;
  if (failed && result.status.code() == StatusCode::kCancelled) return OnProbeGone(live);
  if (failed && result.resumable) return;  // OnModelDown backs off.
  ModelAnswered(live.model);
}

std::string Company::Impl::OutageLines() const {
  std::string out;
  SystemTime now = deps_.clock->Now();
  for (const auto& [model, outage] : outages_) {
    int64_t wait = std::max<int64_t>(0, duration_cast<seconds>(outage.next_try - now).count());
    out += "\n  model endpoint " + model + " unreachable since " + ClockTime(outage.since) +
           ", next try in " + std::to_string(wait) + " s: " + outage.reason;
  }
  return out;
}

}  // namespace mh::company
