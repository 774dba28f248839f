// mh-fake-llm: the scripted model server as a program (docs/fake-llm.md).
//
// Prints "listening on HOST:PORT" once it serves, and runs until SIGINT or SIGTERM.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "testing/fake_llm_server.h"

namespace {

mh::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return mh::NotFoundError("cannot read scenario " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mh-fake-llm: a scripted model server for tests, benchmarks and demos"};
  std::string scenario_path;
  mh::testing::FakeLlmOptions options;
  app.add_option("--scenario", scenario_path, "scenario file (JSON)")->required();
  app.add_option("--host", options.host, "address to listen on (IPv4)");
  app.add_option("--port", options.port, "port; 0 picks a free one");
  app.add_option("--log", options.log_path, "append one JSON line per request to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  // Block the stop signals before the loop thread starts, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  mh::Result<std::string> scenario = ReadFile(scenario_path);
  if (!scenario.ok()) {
    std::fprintf(stderr, "mh-fake-llm: %s\n", scenario.error().message().c_str());
    return 2;
  }
  auto server = mh::testing::FakeLlmServer::Start(*scenario, options);
  if (!server.ok()) {
    std::fprintf(stderr, "mh-fake-llm: %s: %s\n", scenario_path.c_str(),
                 server.error().message().c_str());
    return 2;
  }
  std::printf("listening on %s:%d\n", options.host.c_str(), (*server)->port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  return 0;
}
