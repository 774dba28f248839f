// Small helpers shared by the llm benchmarks.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace mh::bench {

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"); 0 when absent.
inline long ProcStatusKiB(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

// The value of "--name VALUE" in argv, or `fallback`.
inline std::string Flag(int argc, char** argv, const std::string& name, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

// The q-quantile (0..1) of `values` (copied and sorted).
inline double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

inline std::string DefaultFakeLlmPath() {
#ifdef MH_FAKE_LLM_PATH
  return MH_FAKE_LLM_PATH;
#else
  return "mh-fake-llm";
#endif
}

}  // namespace mh::bench
