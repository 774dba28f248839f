#include "store/migrations.h"

#include <fstream>

#include "store/sqlite.h"
#include "store/test_util.h"

namespace mh::store {
namespace {

std::unique_ptr<sqlite::Db> OpenRaw(const std::string& path) {
  auto db = sqlite::Db::Open(path, {});
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return std::move(db).value();
}

TEST(MigrationsTest, NewDatabaseIsAtTheNewestVersion) {
  TempDir dir;
  ASSERT_TRUE(OpenSqliteStore(dir.File("a.db")).ok());
  auto db = OpenRaw(dir.File("a.db"));
  EXPECT_EQ(*SchemaVersion(*db), SchemaMigrations().back().version);
  EXPECT_GE(SchemaMigrations().size(), 3u);
}

TEST(MigrationsTest, UpgradesAnOlderDatabaseAndKeepsItsEvents) {
  TempDir dir;
  const std::string path = dir.File("old.db");
  {
    auto db = OpenRaw(path);
    ASSERT_TRUE(Migrate(*db, SchemaMigrations().first(1)).ok());
    ASSERT_TRUE(db->Exec("INSERT INTO events (company_id, kind, payload, time_ms) "
                         "VALUES ('acme', 'k', 'from v1', 5)",
                         "seeding")
                    .ok());
    EXPECT_EQ(*SchemaVersion(*db), 1);
  }
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->ReadEvents("acme", 0, 10)->at(0).payload, "from v1");
  // Tables of later versions now work.
  EXPECT_TRUE(*(*store)->AcquireLease("merge-queue", "w1", std::chrono::seconds(5)));
  EXPECT_EQ(*SchemaVersion(*OpenRaw(path)), SchemaMigrations().back().version);
}

TEST(MigrationsTest, NewerDatabaseIsRefusedClearly) {
  TempDir dir;
  const std::string path = dir.File("future.db");
  ASSERT_TRUE(OpenRaw(path)->Exec("PRAGMA user_version = 99", "seeding").ok());
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find(path), std::string::npos);
}

TEST(MigrationsTest, FailingMigrationLeavesThePreviousVersionWhole) {
  TempDir dir;
  auto db = OpenRaw(dir.File("m.db"));
  const Migration broken[] = {
      {1, "CREATE TABLE a (x INTEGER);"},
      {2, "CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);"},
  };
  Status status = Migrate(*db, broken);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("schema migration 2"), std::string::npos) << status.message();
  EXPECT_EQ(*SchemaVersion(*db), 1);
  EXPECT_EQ(*db->QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'", "t"), 0);
  EXPECT_EQ(*db->QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'a'", "t"), 1);
}

TEST(MigrationsTest, NonDatabaseFileIsDataLossNotACrash) {
  TempDir dir;
  const std::string path = dir.File("notes.db");
  std::ofstream(path) << "these are my notes, not a database\n" << std::string(5000, 'z');
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find(path + " is not a SQLite database"), std::string::npos)
      << store.status().message();
}

TEST(MigrationsTest, DamagedPagesGiveDataLossNotACrash) {
  TempDir dir;
  const std::string path = dir.File("damaged.db");
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok());
    std::vector<NewEvent> batch(
        300, NewEvent{.company_id = "acme", .kind = "k", .payload = std::string(300, 'p')});
    ASSERT_TRUE((*store)->AppendEvents(batch).ok());
  }  // Closing checkpoints the WAL into the main file.
  {
    // Page 1 (the schema) stays; every other page becomes garbage.
    const auto size = std::filesystem::file_size(path);
    ASSERT_GT(size, 4096u * 4);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096);
    const std::string garbage(size - 4096, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto store = OpenSqliteStore(path);
  Status status = store.ok() ? (*store)->ReadEvents("acme", 0, 1000).status() : store.status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
  EXPECT_NE(status.message().find(path), std::string::npos);
}

TEST(MigrationsTest, MissingDirectoryIsAClearError) {
  TempDir dir;
  auto store = OpenSqliteStore(dir.File("no/such/dir/x.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find("cannot open database"), std::string::npos);
}

TEST(MigrationsTest, EventsCannotBeRewrittenEvenWithRawSql) {
  TempDir dir;
  const std::string path = dir.File("log.db");
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE((*store)->AppendEvent({.company_id = "acme", .kind = "k"}).ok());
  }
  auto db = OpenRaw(path);
  EXPECT_FALSE(db->Exec("UPDATE events SET payload = 'forged'", "tampering").ok());
  EXPECT_FALSE(db->Exec("DELETE FROM events", "tampering").ok());
  EXPECT_EQ(*db->QueryInt("SELECT COUNT(*) FROM events", "t"), 1);
}

}  // namespace
}  // namespace mh::store
