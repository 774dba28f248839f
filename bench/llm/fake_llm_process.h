// FakeLlmProcess: runs `mh-fake-llm` as a child process for a benchmark, so that the
// server's CPU and memory are not counted as the client's.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

namespace mh::bench {

class FakeLlmProcess {
 public:
  // Writes `scenario_json` to a temp file, starts the server on a free port and waits
  // for its "listening on HOST:PORT" line. Throws std::runtime_error when it cannot.
  FakeLlmProcess(const std::string& binary, const std::string& scenario_json) {
    char dir_template[] = "/tmp/mh-bench-llm-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    std::string scenario_path = dir_ + "/scenario.json";
    std::ofstream(scenario_path) << scenario_json;
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execl(binary.c_str(), binary.c_str(), "--scenario", scenario_path.c_str(), "--port", "0",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* in = fdopen(out[0], "r");
    char line[256] = {};
    bool got = in != nullptr && fgets(line, sizeof(line), in) != nullptr;
    if (in != nullptr) fclose(in);
    std::string text = got ? line : "";
    size_t colon = text.rfind(':');
    if (text.rfind("listening on ", 0) != 0 || colon == std::string::npos) {
      Stop();
      throw std::runtime_error("mh-fake-llm did not start: " + binary);
    }
    base_url_ = "http://" + text.substr(13, colon - 13) + ":" +
                std::to_string(std::stoi(text.substr(colon + 1)));
  }
  ~FakeLlmProcess() { Stop(); }
  FakeLlmProcess(const FakeLlmProcess&) = delete;
  FakeLlmProcess& operator=(const FakeLlmProcess&) = delete;

  // "http://127.0.0.1:PORT".
  const std::string& base_url() const { return base_url_; }

 private:
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::remove((dir_ + "/scenario.json").c_str());
      rmdir(dir_.c_str());
      dir_.clear();
    }
  }

  pid_t pid_ = -1;
  std::string dir_;
  std::string base_url_;
};

}  // namespace mh::bench
