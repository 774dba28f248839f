#include "base/config.h"

#include <gtest/gtest.h>

namespace mh {
namespace {

TEST(ConfigTest, SyntaxErrorNamesFileAndLine) {
  Result<ConfigFile> file = ConfigFile::Parse("name = \"x\"\n\nbad = = 3\n", "company.toml");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(file.error().message().find("company.toml:3:"), std::string::npos)
      << file.error().message();
}

TEST(ConfigTest, TypedGettersNameTheLineOfAWrongType) {
  ConfigFile file =
      ConfigFile::Parse("a = \"s\"\nb = 3\nc = 2.5\nd = true\ne = 7\n", "x.toml").value();
  EXPECT_EQ(file.GetString(file.root(), "a").value(), "s");
  EXPECT_EQ(file.GetInt(file.root(), "b").value(), 3);
  EXPECT_EQ(file.GetDouble(file.root(), "c").value(), 2.5);
  EXPECT_EQ(file.GetDouble(file.root(), "b").value(), 3.0);
  EXPECT_EQ(file.GetBool(file.root(), "d").value(), true);
  EXPECT_FALSE(file.GetString(file.root(), "missing").value().has_value());
  Result<std::optional<std::string>> wrong = file.GetString(file.root(), "e");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(), "x.toml:5: 'e' must be a string");
}

TEST(ConfigTest, UnknownKeyIsRefusedWithItsLine) {
  ConfigFile file = ConfigFile::Parse("name = 1\n[models]\nprce = 3\n", "c.toml").value();
  const toml::table& models = *file.root()["models"].as_table();
  Status s = file.CheckKnownKeys(models, {"price", "base_url"});
  EXPECT_EQ(s.message(), "c.toml:3: unknown key 'prce' (valid: price, base_url)");
  EXPECT_TRUE(file.CheckKnownKeys(file.root(), {"name", "models"}).ok());
}

TEST(ConfigTest, MissingFileIsNotFound) {
  EXPECT_EQ(ConfigFile::Load("/nonexistent/company.toml").error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mh
