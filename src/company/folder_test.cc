// The company folder: copies told from moves, stores that are not the company's refused,
// and the doctor's findings and repairs on a real company (real git and SQLite).
#include "company/folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "company/company.h"
#include "sandbox/process.h"
#include "store/test_util.h"

namespace mh::company {
namespace {
namespace fs = std::filesystem;

class FolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runner = sandbox::RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok());
    runner_ = std::move(*runner);
    dir_ = dirs_.File("acme");
    fs::create_directories(PathsFor(dir_).state_dir);
    auto store = store::OpenSqliteStore(PathsFor(dir_).store);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    Charter charter = DefaultCharter("acme", "A brief.", "fake");
    charter.workspace_disk_mib = 0;
    ASSERT_TRUE(CreateCompany(dir_, charter, *store_, *runner_).ok());
  }

  bool Has(const std::vector<Finding>& findings, const std::string& what) {
    for (const Finding& f : findings) {
      if (f.what.find(what) != std::string::npos) return true;
    }
    return false;
  }

  store::TempDir dirs_;
  std::string dir_;
  std::unique_ptr<sandbox::RealProcessRunner> runner_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(FolderTest, ACopyIsToldFromAMove) {
  EXPECT_TRUE(EnterFolder(dir_, nullptr).ok());  // Recorded here.
  EXPECT_EQ(LocateFolder(dir_).place, FolderPlace::kHome);
  std::string copy = dirs_.File("copy");
  fs::copy(dir_, copy, fs::copy_options::recursive);
  EXPECT_EQ(LocateFolder(copy).place, FolderPlace::kCopy);
  Status refused = EnterFolder(copy, nullptr);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("--as-copy"), std::string::npos) << refused.message();
  ASSERT_TRUE(ClaimFolder(copy, /*new_identity=*/true).ok());
  EXPECT_EQ(LocateFolder(copy).place, FolderPlace::kHome);
  EXPECT_NE(LocateFolder(copy).instance, LocateFolder(dir_).instance);
  EXPECT_EQ(LocateFolder(dir_).place, FolderPlace::kHome);  // The original is untouched.

  std::string moved = dirs_.File("moved");
  fs::rename(dir_, moved);
  EXPECT_EQ(LocateFolder(moved).place, FolderPlace::kMoved);
  std::string note;
  EXPECT_TRUE(EnterFolder(moved, &note).ok());
  EXPECT_NE(note.find("moved here from"), std::string::npos);
  EXPECT_EQ(LocateFolder(moved).place, FolderPlace::kHome);
}

TEST_F(FolderTest, AStoreThatIsNotTheCompanysIsRefused) {
  EXPECT_TRUE(VerifyStore(dir_, *store_).ok());
  std::string other = dirs_.File("other.db");
  auto empty = store::OpenSqliteStore(other);
  ASSERT_TRUE(empty.ok());
  Status refused = VerifyStore(dir_, **empty);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("macrohard doctor"), std::string::npos);
  std::ofstream(fs::path(PathsFor(dir_).state_dir) / "company_id") << "another\n";
  EXPECT_EQ(VerifyStore(dir_, *store_).code(), StatusCode::kFailedPrecondition);
  store_.reset();
  fs::remove(PathsFor(dir_).store);
  EXPECT_EQ(StoreFilePresent(dir_).code(), StatusCode::kFailedPrecondition);
  std::ofstream(PathsFor(dir_).store).flush();
  EXPECT_EQ(StoreFilePresent(dir_).code(), StatusCode::kFailedPrecondition);
}

TEST_F(FolderTest, DoctorFindsAndRepairsOnlyWhatIsSafe) {
  EXPECT_TRUE(Examine(dir_, store_.get(), *runner_, {}).empty());
  CompanyPaths paths = PathsFor(dir_);
  std::ofstream(fs::path(paths.repo) / ".git" / "index.lock").flush();
  fs::create_directories(fs::path(paths.worktrees) / "item-1" / "x");   // #1 is open: in use?
  fs::create_directories(fs::path(paths.worktrees) / "item-42" / "x");  // No such item.
  ASSERT_TRUE(store_->AcquireLease("company:acme", "nohost:1:run", std::chrono::seconds(30)).ok());
  std::vector<Finding> found = Examine(dir_, store_.get(), *runner_, {});
  EXPECT_TRUE(Has(found, "stale git lock: repo/.git/index.lock"));
  EXPECT_TRUE(Has(found, "orphan workspace: item-42"));
  // #1 has no session yet and nothing landed on its branch: removable, but it is not a
  // finished item's, so only because nothing of it is unlanded.
  EXPECT_TRUE(Has(found, "item-1"));
  // A lease of another host is not known to be dead: it counts as a run going on, so
  // nothing is repaired.
  EXPECT_TRUE(Has(found, "a run holds the company now"));
  std::vector<Finding> held = Examine(dir_, store_.get(), *runner_, {.repair = true});
  for (const Finding& f : held) EXPECT_FALSE(f.repaired) << f.what;
  ASSERT_TRUE(store_->ReleaseLease("company:acme", "nohost:1:run").ok());
  std::vector<Finding> fixed = Examine(dir_, store_.get(), *runner_, {.repair = true});
  for (const Finding& f : fixed) EXPECT_TRUE(f.repaired) << f.what << ": " << f.advice;
  EXPECT_FALSE(fs::exists(fs::path(paths.repo) / ".git" / "index.lock"));
  EXPECT_FALSE(fs::exists(fs::path(paths.worktrees) / "item-42"));
  EXPECT_TRUE(Examine(dir_, store_.get(), *runner_, {}).empty());
}

TEST_F(FolderTest, StoreAndRepositoryDisagreeing) {
  ASSERT_TRUE(
      store_
          ->AppendEvent(
              {.company_id = "acme",
               .kind = "merged",
               .payload = R"({"item":"5","commit":"0123456789012345678901234567890123456789"})"})
          .ok());
  std::vector<Finding> found = Examine(dir_, store_.get(), *runner_, {});
  EXPECT_TRUE(Has(found, "merged at 0123456789"));
}

}  // namespace
}  // namespace mh::company
