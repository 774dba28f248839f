// store_crash_child DB_PATH RUN full|normal SEED
//
// Appends events to the store at DB_PATH forever, singly and in batches, and after each
// append returns writes one line per event, "SEQ RUN ITEM\n", to stdout with a single
// write(2). The crash test kills it with SIGKILL at random moments and checks that every
// acknowledged event survived. Exits 2 when the store fails.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "store/crash_payload.h"
#include "store/store.h"

namespace {

bool WriteAll(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int Fail(const mh::Status& status) {
  std::fprintf(stderr, "store_crash_child: %s\n", status.ToString().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: store_crash_child DB_PATH RUN full|normal SEED\n");
    return 2;
  }
  const int64_t run = std::atoll(argv[2]);
  mh::store::SqliteStoreOptions options;
  options.durability = std::string(argv[3]) == "normal" ? mh::store::Durability::kNormal
                                                        : mh::store::Durability::kFull;
  auto store = mh::store::OpenSqliteStore(argv[1], options);
  if (!store.ok()) return Fail(store.status());
  std::mt19937_64 rng(std::strtoull(argv[4], nullptr, 10));
  const std::string session = "ses-" + std::to_string(run);
  for (int64_t item = 0;;) {
    // Half the appends are single events, the rest batches of 2..40.
    const int64_t batch = rng() % 2 == 0 ? 1 : 2 + static_cast<int64_t>(rng() % 39);
    std::vector<mh::store::NewEvent> events;
    for (int64_t i = 0; i < batch; ++i) {
      events.push_back({.company_id = "acme",
                        .session_id = session,
                        .kind = "crash_test",
                        .payload = mh::store::CrashPayload(run, item + i)});
    }
    mh::Result<mh::store::SeqRange> range = mh::store::SeqRange{};
    if (batch == 1) {
      auto seq = (*store)->AppendEvent(events[0]);
      if (!seq.ok()) return Fail(seq.status());
      range = mh::store::SeqRange{.first = *seq, .count = 1};
    } else {
      range = (*store)->AppendEvents(events);
      if (!range.ok()) return Fail(range.status());
    }
    std::string acks;
    for (int64_t i = 0; i < batch; ++i) {
      acks += std::to_string(range->first + i) + " " + std::to_string(run) + " " +
              std::to_string(item + i) + "\n";
    }
    if (!WriteAll(acks)) return 3;
    item += batch;
  }
}
