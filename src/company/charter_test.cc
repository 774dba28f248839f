#include "company/charter.h"

#include <gtest/gtest.h>

namespace mh::company {
namespace {

TEST(CharterTest, DefaultsMakeACompanyFromABriefAlone) {
  Result<Charter> c = ParseCharter("[company]\nname = \"wc\"\nbrief = \"count words\"\n", "t");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->name, "wc");
  EXPECT_EQ(c->roles.size(), 7u);
  EXPECT_EQ(c->roles.at(kEngineer).head_count, 4);
  EXPECT_EQ(c->workflow.at("task").role, kEngineer);
  EXPECT_TRUE(c->workflow.at("task").has_gate(Gate::kReview));
  EXPECT_TRUE(c->workflow.at("release").has_gate(Gate::kTag));
  EXPECT_TRUE(c->budget.unlimited());
  // QA accepts through the terminal and the desktop.
  const std::vector<std::string>& qa = c->roles.at(kQa).tools;
  EXPECT_NE(std::find(qa.begin(), qa.end(), "computer"), qa.end());
  EXPECT_NE(std::find(qa.begin(), qa.end(), "terminal"), qa.end());
}

TEST(CharterTest, OverridesRolesWorkflowBudgetsAndCommands) {
  Result<Charter> c = ParseCharter(R"([company]
name = "wc"
brief = "b"
model = "xai/grok-4"
[roles.engineer]
count = 9
model = "anthropic/claude-sonnet-4-5"
[roles.docs_writer]
prompt = "Write the docs."
tools = ["read_file", "write_file", "submit"]
[workflow.docs]
role = "docs_writer"
gates = ["review", "merge"]
[commands]
test = "make check"
[budget]
tokens = 5000
item_usd = 0.5
[concurrency]
max_sessions = 3
)",
                                   "company.toml");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->roles.at(kEngineer).head_count, 9);
  EXPECT_EQ(c->roles.at(kEngineer).model, "anthropic/claude-sonnet-4-5");
  EXPECT_EQ(c->roles.at("docs_writer").tools.size(), 3u);
  ASSERT_EQ(c->workflow.at("docs").gates.size(), 2u);
  EXPECT_EQ(c->workflow.at("docs").gates[0], Gate::kReview);
  EXPECT_EQ(c->commands.test, "make check");
  EXPECT_TRUE(c->commands_from_file);
  EXPECT_EQ(c->budget.tokens, 5000);
  EXPECT_DOUBLE_EQ(c->item_budget.usd, 0.5);
  EXPECT_EQ(c->max_sessions, 3);
}

// Each broken file is refused with the line at fault.
TEST(CharterTest, BrokenFilesNameTheLine) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"[company]\nname = \"a\"\nbrief = \"b\"\n[roles.engineer]\ncount = \"four\"\n",
       "company.toml:5: 'count' must be an integer"},
      {"[company]\nname = \"a\"\nbrief = \"b\"\n[roles.engineer]\ntools = [\"rm_rf\"]\n",
       "company.toml:5: role engineer: unknown tool 'rm_rf'"},
      {"[company]\nname = \"a\"\nbrief = \"b\"\n[workflow.task]\nrole = \"ghost\"\n",
       "no role named 'ghost'"},
      {"[company]\nname = \"a\"\nbrief = \"b\"\n\n[budget]\ntokenz = 5\n", "company.toml:6"},
      {"[company]\nname = \"a\"\nbrief = \"b\"\n[workflow.task]\nrole = \"engineer\"\n"
       "gates = [\"ci\", \"pray\"]\n",
       "company.toml:6: a gate is one of ci, review, merge, tag"},
      {"[company]\nname = \"a\"\n", "needs a brief"},
      {"[company\nname = 1\n", "company.toml:1"},
      {"[company]\nname = \"a\"\nbrief = \"b\"\n[environment]\nsetup = 3\n", "company.toml:5"},
      {"[company]\nname = \"a\"\nbrief = \"b\"\n[environment]\ninstall = []\n", "company.toml:5"},
  };
  for (const Case& c : cases) {
    Result<Charter> charter = ParseCharter(c.text, "company.toml");
    ASSERT_FALSE(charter.ok()) << c.text;
    EXPECT_NE(charter.error().message().find(c.want), std::string::npos)
        << charter.error().message() << "\nwanted: " << c.want;
  }
}

TEST(CharterTest, EnvironmentTakesOneCommandOrSeveral) {
  Result<Charter> one = ParseCharter(
      "[company]\nname = \"a\"\nbrief = \"b\"\n[environment]\nsetup = \"npm ci\"\n"
      "inputs = [\"package-lock.json\"]\npackages = [\"nodejs\"]\n",
      "company.toml");
  ASSERT_TRUE(one.ok()) << one.error().ToString();
  EXPECT_EQ(one->environment.setup, std::vector<std::string>{"npm ci"});
  EXPECT_EQ(one->environment.inputs, std::vector<std::string>{"package-lock.json"});
  EXPECT_EQ(one->environment.packages, std::vector<std::string>{"nodejs"});
  Result<Charter> several = ParseCharter(
      "[company]\nname = \"a\"\nbrief = \"b\"\n[environment]\n"
      "setup = [\"python3 -m venv $MH_ENV/venv\", \"pip install -r requirements.txt\"]\n",
      "company.toml");
  ASSERT_TRUE(several.ok()) << several.error().ToString();
  EXPECT_EQ(several->environment.setup.size(), 2u);
  EXPECT_TRUE(DefaultCharter("a", "b", "m").environment.empty());
}

TEST(CharterTest, ModelLimitsAndTheModelRetryWaitAreRead) {
  Result<Charter> c = ParseCharter(R"([company]
name = "wc"
brief = "b"
model = "vllm/qwen3"
[policy]
model_retry_seconds = 3
[model_limits."vllm/qwen3"]
context_window = 32768
output_limit = 4096
)",
                                   "t");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->model_retry_seconds, 3);
  ASSERT_EQ(c->model_limits.count("vllm/qwen3"), 1u);
  EXPECT_EQ(c->model_limits.at("vllm/qwen3").context_window, 32768);
  EXPECT_EQ(c->model_limits.at("vllm/qwen3").output_limit, 4096);

  Result<Charter> bigger = ParseCharter(
      "[company]\nname = \"wc\"\nbrief = \"b\"\n[model_limits.\"m/x\"]\n"
      "context_window = 1000\noutput_limit = 2000\n",
      "t");
  ASSERT_FALSE(bigger.ok());
  EXPECT_NE(bigger.error().message().find("t:4"), std::string::npos) << bigger.error().message();
  EXPECT_NE(bigger.error().message().find("larger than its context_window"), std::string::npos);

  Result<Charter> typo = ParseCharter(
      "[company]\nname = \"wc\"\nbrief = \"b\"\n[model_limits.\"m/x\"]\ncontext = 1000\n", "t");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message().find("context"), std::string::npos);
  Result<Charter> zero = ParseCharter(
      "[company]\nname = \"wc\"\nbrief = \"b\"\n[policy]\nmodel_retry_seconds = 0\n", "t");
  ASSERT_FALSE(zero.ok());
}

TEST(CharterTest, RenderedFileParsesBackToTheSameCompany) {
  Charter c = DefaultCharter("calc \"pro\"", "A calculator.\nWith \"quotes\".", "xai/grok-4");
  c.acceptance = {"adds", "subtracts"};
  Result<Charter> back = ParseCharter(RenderCharterToml(c), "rendered");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->name, c.name);
  EXPECT_EQ(back->brief, c.brief);
  EXPECT_EQ(back->model, c.model);
  EXPECT_EQ(back->acceptance, c.acceptance);
}

}  // namespace
}  // namespace mh::company
