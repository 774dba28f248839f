#include "tools/schema.h"

#include <gtest/gtest.h>

namespace mh::tools {
namespace {

const Json kSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "path": {"type": "string", "minLength": 1},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
    "mode": {"type": "string", "enum": ["fast", "slow"]},
    "ratio": {"type": "number"},
    "flag": {"type": "boolean"},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    "opt": {"type": ["string", "null"]},
    "nested": {"type": "object", "properties": {"x": {"type": "integer"}},
               "required": ["x"], "additionalProperties": false}
  },
  "required": ["path"],
  "additionalProperties": false})");

std::string Error(const std::string& args) {
  Status s = ValidateAgainstSchema(kSchema, Json::parse(args));
  EXPECT_FALSE(s.ok()) << args;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  return s.message();
}

TEST(SchemaTest, AcceptsValidArguments) {
  EXPECT_TRUE(ValidateAgainstSchema(kSchema, Json::parse(R"({"path": "a"})")).ok());
  EXPECT_TRUE(ValidateAgainstSchema(kSchema, Json::parse(R"({
      "path": "a", "limit": 100, "mode": "slow", "ratio": 0.5, "flag": true,
      "tags": ["x", "y"], "opt": null, "nested": {"x": 3}})"))
                  .ok());
  // 5.0 is an integer in JSON Schema.
  EXPECT_TRUE(ValidateAgainstSchema(kSchema, Json::parse(R"({"path": "a", "limit": 5.0})")).ok());
}

TEST(SchemaTest, NamesTheMissingRequiredArgument) {
  EXPECT_EQ(Error(R"({"limit": 3})"), "missing required argument 'path'");
  EXPECT_EQ(Error(R"({"path": "a", "nested": {}})"), "missing required argument 'nested.x'");
}

TEST(SchemaTest, ReportsWrongTypesWithTheValueGiven) {
  EXPECT_EQ(Error(R"({"path": "a", "limit": "10"})"),
            "argument 'limit' must be an integer, got string \"10\"");
  EXPECT_EQ(Error(R"({"path": "a", "limit": 1.5})"),
            "argument 'limit' must be an integer, got number 1.5");
  EXPECT_EQ(Error(R"({"path": 3})"), "argument 'path' must be a string, got integer 3");
  EXPECT_EQ(Error(R"({"path": "a", "flag": "yes"})"),
            "argument 'flag' must be a boolean, got string \"yes\"");
  EXPECT_EQ(Error(R"({"path": "a", "opt": 1})"),
            "argument 'opt' must be a string or a null, got integer 1");
  EXPECT_EQ(Error(R"({"path": "a", "tags": ["x", 2]})"),
            "argument 'tags[1]' must be a string, got integer 2");
  EXPECT_EQ(Error(R"(["path"])"), "the arguments must be a JSON object, got an array of 1");
}

TEST(SchemaTest, ChecksEnumsRangesAndLengths) {
  EXPECT_EQ(Error(R"({"path": "a", "mode": "medium"})"),
            "argument 'mode' must be one of \"fast\", \"slow\", got string \"medium\"");
  EXPECT_EQ(Error(R"({"path": "a", "limit": 0})"), "argument 'limit' must be at least 1, got 0");
  EXPECT_EQ(Error(R"({"path": "a", "limit": 500})"),
            "argument 'limit' must be at most 100, got 500");
  EXPECT_EQ(Error(R"({"path": ""})"), "argument 'path' must not be empty");
  EXPECT_EQ(Error(R"({"path": "a", "tags": ["a", "b", "c"]})"),
            "argument 'tags' must have at most 2 items");
}

TEST(SchemaTest, RefusesUnknownArgumentsAndListsTheValidOnes) {
  std::string message = Error(R"({"path": "a", "pth": "b"})");
  EXPECT_NE(message.find("unknown argument 'pth'"), std::string::npos) << message;
  EXPECT_NE(message.find("(valid: flag, limit, mode, nested, opt, path, ratio, tags)"),
            std::string::npos)
      << message;
  EXPECT_EQ(Error(R"({"path": "a", "nested": {"x": 1, "y": 2}})"),
            "unknown argument 'nested.y' (valid: x)");
}

TEST(SchemaTest, OpenObjectsAcceptExtraArguments) {
  Json open = {{"type", "object"}, {"properties", {{"a", {{"type", "string"}}}}}};
  EXPECT_TRUE(ValidateAgainstSchema(open, Json::parse(R"({"a": "x", "b": 1})")).ok());
}

}  // namespace
}  // namespace mh::tools
