// `macrohard doctor DIR [--repair] [--as-copy]`: checks a company folder (its store, the
// store against the repository, leftover locks and leases, half-done merges, orphan
// workspaces), says what is wrong and what to do, and repairs what is safe.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "company/company.h"
#include "company/folder.h"
#include "sandbox/process.h"
#include "store/integrity.h"
#include "store/store.h"

namespace mh::cli {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int Fail(int code, const Status& status) {
  std::fprintf(stderr, "macrohard doctor: %s\n", status.message().c_str());
  return code;
}

struct DoctorFlags {
  std::string dir;
  bool repair = false;
  bool as_copy = false;
};

int RunDoctor(const DoctorFlags& flags) {
  company::CompanyPaths paths = company::PathsFor(flags.dir);
  std::error_code ec;
  if (!std::filesystem::exists(paths.charter, ec)) {
    return Fail(kExitUsage, NotFoundError(paths.root + " holds no company (no company.toml)"));
  }
  if (flags.as_copy) {
    company::FolderCheck check = company::LocateFolder(flags.dir);
    Status claimed = company::ClaimFolder(flags.dir, /*new_identity=*/true);
    if (!claimed.ok()) return Fail(kExitFailed, claimed);
    std::printf("%s now has an identity of its own: a separate company%s\n", paths.root.c_str(),
                check.original.empty() ? "" : (" (copied from " + check.original + ")").c_str());
  }
  Result<std::unique_ptr<sandbox::RealProcessRunner>> runner = sandbox::RealProcessRunner::Create();
  if (!runner.ok()) return Fail(kExitFailed, runner.error());
  std::unique_ptr<store::Store> store;
  if (company::StoreFilePresent(flags.dir).ok()) {
    Result<std::vector<std::string>> sound = store::CheckSqliteIntegrity(paths.store);
    if (sound.ok() && sound->empty()) {
      Result<std::unique_ptr<store::Store>> opened = store::OpenSqliteStore(paths.store);
      if (opened.ok()) store = std::move(*opened);
    }
  } else {
    std::printf("problem: %s\n", company::StoreFilePresent(flags.dir).message().c_str());
  }
  std::vector<company::Finding> findings =
      company::Examine(flags.dir, store.get(), **runner, {.repair = flags.repair});
  int left = 0;
  for (const company::Finding& f : findings) {
    if (f.repaired) {
      std::printf("repaired: %s: %s\n", f.what.c_str(), f.advice.c_str());
    } else {
      ++left;
      std::printf("problem: %s: %s\n", f.what.c_str(), f.advice.c_str());
    }
  }
  if (!company::StoreFilePresent(flags.dir).ok()) ++left;
  if (findings.empty() && left == 0) {
    std::printf("%s: healthy\n", paths.root.c_str());
    return 0;
  }
  if (left == 0) {
    std::printf("%s: every problem found was repaired\n", paths.root.c_str());
    return 0;
  }
  std::printf("%d problem%s left%s\n", left, left == 1 ? "" : "s",
              flags.repair ? "" : " (`--repair` fixes the ones marked safe)");
  return kExitFailed;
}

}  // namespace

Command RegisterDoctor(CLI::App& app) {
  auto flags = std::make_shared<DoctorFlags>();  // Shared with the runner, which outlives this.
  CLI::App* cmd = app.add_subcommand("doctor", "check a company folder and repair what is safe");
  cmd->add_option("dir", flags->dir, "the company's folder")->required();
  cmd->add_flag("--repair", flags->repair,
                "fix what is safe: stale locks and leases of dead processes, orphan workspaces "
                "of finished items");
  cmd->add_flag("--as-copy", flags->as_copy,
                "give a copied folder an identity of its own, so that it runs as a separate "
                "company");
  return {cmd, [flags] { return RunDoctor(*flags); }};
}

}  // namespace mh::cli
