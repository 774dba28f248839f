// Helpers for writing tools: the built-in ones here, and the tools other layers add
// (the company's tracker tools, test tools).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/json.h"
#include "base/status.h"
#include "tools/tool.h"

namespace mh::tools::internal {

// A tool whose name, description and schema are fixed at construction.
class BasicTool : public Tool {
 public:
  BasicTool(std::string name, std::string description, Json parameters)
      : name_(std::move(name)),
        description_(std::move(description)),
        parameters_(std::move(parameters)) {}

  const std::string& name() const override { return name_; }
  const std::string& description() const override { return description_; }
  const Json& parameters() const override { return parameters_; }

 private:
  std::string name_;
  std::string description_;
  Json parameters_;
};

// Readers for arguments that already passed schema validation; `fallback` when absent.
std::string StringArg(const Json& args, const char* key, std::string fallback = "");
int64_t IntArg(const Json& args, const char* key, int64_t fallback);
bool BoolArg(const Json& args, const char* key, bool fallback);

// An error result carrying the status message.
ToolResult ErrorResult(const Status& status);

// "1 line", "3 lines".
std::string Plural(uint64_t n, std::string_view word);

// `text` cut to `max_chars` bytes (at a UTF-8 boundary) with "... [N more characters]".
std::string CutLine(std::string_view text, size_t max_chars);

// The 1-based line number of byte `offset` in `text`.
size_t LineOfOffset(std::string_view text, size_t offset);

}  // namespace mh::tools::internal
