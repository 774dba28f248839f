// The git-in-sandbox probe (replay_support.h).
#include "replay_support.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "e2e_support.h"

namespace mh::replay_e2e {

namespace fs = std::filesystem;
using e2e::ReadFile;
using e2e::RunProcess;

bool GitWorksInSandbox() {
  static const bool works = [] {
    fs::path dir = fs::temp_directory_path() / ("replay_git_probe_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "repo");
    auto git = [&dir](std::vector<std::string> args) {
      std::vector<std::string> argv = {"/usr/bin/git", "-C", (dir / "repo").string(), "-c",
                                       "user.name=T",  "-c", "user.email=t@localhost"};
      argv.insert(argv.end(), args.begin(), args.end());
      return RunProcess(argv, dir / "git.out", dir / "git.err");
    };
    git({"init", "-q", "-b", "main"});
    std::ofstream(dir / "repo" / "a.txt") << "a\n";
    git({"add", "a.txt"});
    git({"commit", "-q", "-m", "a"});
    mh::Json t = {{"trajectory_format", "mini-swe-agent-1"},
                  {"messages",
                   {{{"role", "user"}, {"content", "probe"}},
                    {{"role", "assistant"}, {"content", "```bash\ngit status\n```"}},
                    {{"role", "user"}, {"content", "<returncode>0</returncode><output></output>"}},
                    {{"role", "assistant"},
                     {"content", "```bash\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\n```"}}}}};
    std::ofstream(dir / "probe.json") << mh::DumpJson(t);
    RunProcess({MH_MACROHARD_PATH, "solve", "--repo", (dir / "repo").string(), "--model",
                "replay:" + (dir / "probe.json").string()},
               dir / "out", dir / "err");
    bool ok =
        ReadFile(dir / "out").find("replay: every command exited as recorded") != std::string::npos;
    fs::remove_all(dir);
    return ok;
  }();
  return works;
}

}  // namespace mh::replay_e2e
