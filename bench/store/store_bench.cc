// SQLite event appends per second: one event per transaction (fsync each, and without
// fsync), and batches of N events per transaction. Each run uses a fresh database in a
// temporary directory. Run with --benchmark_repetitions=5 for medians.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"

namespace {

// A store in a fresh temporary directory, removed afterwards.
class BenchStore {
 public:
  explicit BenchStore(mh::store::Durability durability) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mh-store-bench-XXXXXX").string();
    MH_CHECK(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    auto store =
        mh::store::OpenSqliteStore((dir_ / "bench.db").string(), {.durability = durability});
    MH_CHECK(store.ok());
    store_ = std::move(store).value();
  }
  ~BenchStore() {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  mh::store::Store& store() { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<mh::store::Store> store_;
};

// A typical small event: a tool result of a few hundred bytes in a session.
mh::store::NewEvent SampleEvent() {
  return {
      .company_id = "acme",
      .session_id = "ses_0h5kq3m2x7f9ab",
      .kind = "tool_result",
      .payload = R"({"tool":"read_file","ok":true,"output":")" + std::string(200, 'x') + R"("})"};
}

mh::store::Durability DurabilityArg(int64_t arg) {
  return arg == 0 ? mh::store::Durability::kFull : mh::store::Durability::kNormal;
}

// Arg 0: durability (0 = full, 1 = normal).
void BM_AppendOnePerTransaction(benchmark::State& state) {
  BenchStore bench(DurabilityArg(state.range(0)));
  const mh::store::NewEvent event = SampleEvent();
  for (auto _ : state) {
    auto seq = bench.store().AppendEvent(event);
    if (!seq.ok()) state.SkipWithError(seq.status().ToString().c_str());
    benchmark::DoNotOptimize(seq);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AppendOnePerTransaction)
    ->ArgNames({"normal"})
    ->Arg(0)
    ->Arg(1)
    ->MinTime(1.0)
    ->UseRealTime();

// Arg 0: durability; arg 1: events per transaction.
void BM_AppendBatched(benchmark::State& state) {
  BenchStore bench(DurabilityArg(state.range(0)));
  const std::vector<mh::store::NewEvent> batch(static_cast<size_t>(state.range(1)), SampleEvent());
  for (auto _ : state) {
    auto range = bench.store().AppendEvents(batch);
    if (!range.ok()) state.SkipWithError(range.status().ToString().c_str());
    benchmark::DoNotOptimize(range);
  }
  state.SetItemsProcessed(state.iterations() * state.range(1));
}
BENCHMARK(BM_AppendBatched)
    ->ArgNames({"normal", "batch"})
    ->Args({0, 100})
    ->Args({0, 1000})
    ->Args({1, 1000})
    ->MinTime(1.0)
    ->UseRealTime();

// Reading a page of 1000 events back (status, transcripts, export).
void BM_ReadEvents(benchmark::State& state) {
  BenchStore bench(mh::store::Durability::kNormal);
  const std::vector<mh::store::NewEvent> batch(10000, SampleEvent());
  MH_CHECK(bench.store().AppendEvents(batch).ok());
  int64_t after = 0;
  for (auto _ : state) {
    auto events = bench.store().ReadEvents("acme", after, 1000);
    if (!events.ok()) state.SkipWithError(events.status().ToString().c_str());
    after = (after + 1000) % 9000;
    benchmark::DoNotOptimize(events);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ReadEvents)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
