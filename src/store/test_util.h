// Helpers for the store's tests: a temporary directory per test, stores on a fake clock.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"
#include "testing/fake_clock.h"

namespace mh::store {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mh-store-XXXXXX").string();
    MH_CHECK(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A test fixture with a store on a fake clock in a temporary directory.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(); }

  std::unique_ptr<Store> Open(SqliteStoreOptions options = {}) {
    options.clock = &clock_;
    auto store = OpenSqliteStore(path(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::string path() const { return dir_.File("store.db"); }

  TempDir dir_;
  mh::testing::FakeClock clock_;
  std::unique_ptr<Store> store_;
};

}  // namespace mh::store
