#include "base/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/json.h"
#include "base/secrets.h"

namespace mh {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(LogTest, FileLogRedactsSecretsAndHonoursLevel) {
  std::string path =
      std::filesystem::temp_directory_path() / ("mh_log_test_" + std::to_string(getpid()) + ".log");
  std::filesystem::remove(path);
  ClearSecretsForTesting();
  RegisterSecret("sk-test-0123456789abcdef");
  ASSERT_TRUE(InitLogging({.level = LogLevel::kInfo, .to_stderr = false, .file = path}).ok());
  spdlog::debug("hidden debug line");
  spdlog::info("calling with key sk-test-0123456789abcdef now");
  spdlog::default_logger()->flush();
  std::string text = ReadAll(path);
  EXPECT_EQ(text.find("sk-test-0123456789abcdef"), std::string::npos) << text;
  EXPECT_NE(text.find("calling with key [REDACTED] now"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden debug line"), std::string::npos);
  std::filesystem::remove(path);
  ClearSecretsForTesting();
}

TEST(LogTest, BadLevelListsValidOnes) {
  EXPECT_EQ(ParseLogLevel("info").value(), LogLevel::kInfo);
  Result<LogLevel> bad = ParseLogLevel("loud");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("trace, debug, info"), std::string::npos);
}

TEST(SecretsTest, ShortValuesAreNotSecrets) {
  ClearSecretsForTesting();
  RegisterSecret("abc");
  EXPECT_EQ(RedactSecrets("abc abc"), "abc abc");
}

TEST(JsonTest, MalformedJsonIsAnError) {
  EXPECT_EQ(ParseJson("{\"a\": 1}").value()["a"], 1);
  Result<Json> bad = ParseJson("{\"a\": ");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("malformed JSON"), std::string::npos);
}

}  // namespace
}  // namespace mh
