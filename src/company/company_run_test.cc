// The whole company in-process (so the sanitizers see the scheduler, the pool and the
// sessions): real git, bubblewrap, SQLite and HTTP to the fake model server, which plays
// the demo's scenario (examples/scenarios/company-demo.json).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/json.h"
#include "company/company.h"
#include "llm/http_transport.h"
#include "llm/model_factory.h"
#include "sandbox/process.h"
#include "store/test_util.h"
#include "testing/fake_llm_server.h"

namespace mh::company {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CompanyRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport_ = llm::NewCurlTransport();
    Serve(ReadFile(std::string(MH_SOURCE_DIR) + "/examples/scenarios/company-demo.json"));
    auto runner = sandbox::RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok());
    runner_ = std::move(*runner);
    dir_ = dirs_.File("textstat");
    std::filesystem::create_directories(PathsFor(dir_).state_dir);
    auto store =
        store::OpenSqliteStore(PathsFor(dir_).store, {.durability = store::Durability::kNormal});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  // The model server plays `scenario` from now on (a new server: the model is made again).
  void Serve(const std::string& scenario) {
    model_.reset();
    server_.reset();
    auto server = mh::testing::FakeLlmServer::Start(scenario, {});
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    auto model = llm::MakeModel(
        server_->base_url() + "/v1#fake-model", *transport_,
        llm::EnvLookup([](std::string_view) { return std::optional<std::string>(); }),
        llm::PriceTable(), {});
    ASSERT_TRUE(model.ok()) << model.error().ToString();
    model_ = std::move(*model);
  }

  int Events(const std::string& kind) {
    auto events = store_->ReadEvents("textstat", 0, 100000);
    int n = 0;
    for (const store::Event& e : events.ok() ? *events : std::vector<store::Event>{}) {
      n += e.kind == kind;
    }
    return n;
  }

  CompanyDeps Deps() {
    return {.store = store_.get(),
            .runner = runner_.get(),
            .models = [this](const std::string&) -> Result<llm::Model*> { return model_.get(); },
            .clock = &SystemClock()};
  }

  std::string Git(const std::vector<std::string>& args) {
    sandbox::ProcessSpec spec{
        .argv = {"git", "-C", PathsFor(dir_).repo},
        .env = {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "GIT_CONFIG_NOSYSTEM=1"}};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    auto result = runner_->Run(spec);
    return result.ok() ? result->stdout_text : "";
  }

  size_t ModelCalls() const {
    size_t n = 0;
    for (const Json& r : server_->requests()) n += !r["protocol"].is_null();
    return n;
  }

  store::TempDir dirs_;
  std::string dir_;
  std::unique_ptr<mh::testing::FakeLlmServer> server_;
  std::unique_ptr<llm::HttpTransport> transport_;
  std::unique_ptr<llm::Model> model_;
  std::unique_ptr<sandbox::RealProcessRunner> runner_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(CompanyRunTest, BriefToTaggedReleaseAndASecondRunDoesNothing) {
  Charter charter = DefaultCharter(
      "textstat", ReadFile(std::string(MH_SOURCE_DIR) + "/examples/company/brief.md"), "fake");
  ASSERT_TRUE(CreateCompany(dir_, charter, *store_, *runner_).ok());
  EXPECT_EQ(CreateCompany(dir_, charter, *store_, *runner_).code(), StatusCode::kAlreadyExists);
  auto company = Company::Open(dir_, Deps());
  ASSERT_TRUE(company.ok()) << company.error().ToString();
  std::vector<std::string> lines;
  RunOptions options;
  options.progress = [&](const std::string& line) { lines.push_back(line); };
  Result<RunReport> report = (*company)->Run(options);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->end, RunEnd::kIdle);
  EXPECT_EQ(report->open_items, 0) << report->message << "\n"
                                   << [&] {
                                        std::string all;
                                        for (auto& l : lines) all += l + "\n";
                                        return all;
                                      }();
  EXPECT_EQ(Git({"tag"}), "v0.1.0\n");
  EXPECT_NE(Git({"show", "main:CHANGELOG.md"}).find("0.1.0"), std::string::npos);
  EXPECT_NE(Git({"show", "main:counts.py"}).find("def words"), std::string::npos);
  EXPECT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(),
            "released v0.1.0 (" + Git({"rev-parse", "--short=10", "main"}).substr(0, 10) + ")");
  size_t calls = ModelCalls();
  Result<RunReport> again = (*company)->Run(options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->open_items, 0);
  EXPECT_EQ(ModelCalls(), calls);
}

// The first two model calls get 503 (the transport here does not retry): the company waits
// and tries again by itself, backing off, and reaches the release without a person.
TEST_F(CompanyRunTest, AModelThatStopsAnsweringIsWaitedForAndTriedAgain) {
  Json scenario =
      Json::parse(ReadFile(std::string(MH_SOURCE_DIR) + "/examples/scenarios/company-demo.json"));
  scenario["turns"][0]["fault"] = {{"kind", "http_status"}, {"status", 503}, {"times", 2}};
  Serve(scenario.dump());
  Charter charter = DefaultCharter(
      "textstat", ReadFile(std::string(MH_SOURCE_DIR) + "/examples/company/brief.md"), "fake");
  ASSERT_TRUE(CreateCompany(dir_, charter, *store_, *runner_).ok());
  std::ofstream(PathsFor(dir_).charter, std::ios::app) << "\n[policy]\nmodel_retry_seconds = 1\n";
  auto company = Company::Open(dir_, Deps());
  ASSERT_TRUE(company.ok()) << company.error().ToString();
  std::vector<std::string> lines;
  RunOptions options;
  options.progress = [&](const std::string& line) { lines.push_back(line); };
  Result<RunReport> report = (*company)->Run(options);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->open_items, 0) << report->message;
  EXPECT_EQ(report->blocked_items, 0);
  EXPECT_EQ(Git({"tag"}), "v0.1.0\n");
  EXPECT_EQ(Events("model_unreachable"), 2);  // The first failure, then the probe's.
  EXPECT_EQ(Events("model_reachable"), 1);
  int waits = 0;
  for (const std::string& line : lines) waits += line.find("does not answer") != std::string::npos;
  EXPECT_EQ(waits, 2);
}

TEST_F(CompanyRunTest, AnotherLiveRunnerHoldsTheCompany) {
  ASSERT_TRUE(CreateCompany(dir_, DefaultCharter("textstat", "b", "fake"), *store_, *runner_).ok());
  ASSERT_TRUE(
      *store_->AcquireLease("company:textstat", "elsewhere:1:run", std::chrono::minutes(1)));
  auto company = Company::Open(dir_, Deps());
  ASSERT_TRUE(company.ok());
  Result<RunReport> report = (*company)->Run({});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(report.error().message().find("another process"), std::string::npos);
  EXPECT_EQ(ModelCalls(), 0u);
}

TEST_F(CompanyRunTest, BrokenCharterIsRefusedWithItsLine) {
  ASSERT_TRUE(CreateCompany(dir_, DefaultCharter("textstat", "b", "fake"), *store_, *runner_).ok());
  std::ofstream(PathsFor(dir_).charter, std::ios::app) << "\n[roles.engineer]\ncount = -1\n";
  auto company = Company::Open(dir_, Deps());
  ASSERT_FALSE(company.ok());
  EXPECT_NE(company.error().message().find("company.toml:"), std::string::npos)
      << company.error().message();
  EXPECT_NE(company.error().message().find("'count' must be at least 0"), std::string::npos);
  EXPECT_EQ(Company::Open(dirs_.File("nothing"), Deps()).error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mh::company
