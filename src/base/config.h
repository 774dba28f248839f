// Config: TOML files whose errors name the file and the line at fault.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mh {

// A parsed TOML document that remembers where it came from. Not thread-safe for writes;
// const use from many threads is fine.
class ConfigFile {
 public:
  // Errors: kNotFound when the file is missing, kInvalidArgument "PATH:LINE:COL: what"
  // when it is not valid TOML.
  static Result<ConfigFile> Load(const std::string& path);
  // `origin` names the text in error messages (a path, or "<brief>").
  static Result<ConfigFile> Parse(std::string_view text, std::string origin);

  const toml::table& root() const { return root_; }
  const std::string& origin() const { return origin_; }

  // kInvalidArgument "ORIGIN:LINE: message" for `node`.
  Status ErrorAt(const toml::node& node, std::string_view message) const;

  // Typed look-ups of `key` in `table`: nullopt when absent, an error naming the line
  // when present with the wrong type.
  Result<std::optional<std::string>> GetString(const toml::table& table,
                                               std::string_view key) const;
  Result<std::optional<int64_t>> GetInt(const toml::table& table, std::string_view key) const;
  Result<std::optional<double>> GetDouble(const toml::table& table, std::string_view key) const;
  Result<std::optional<bool>> GetBool(const toml::table& table, std::string_view key) const;

  // An error naming the first key of `table` that is not in `known`, with its line, so a
  // misspelt setting is refused rather than ignored.
  Status CheckKnownKeys(const toml::table& table,
                        std::initializer_list<std::string_view> known) const;

 private:
  ConfigFile(toml::table root, std::string origin)
      : root_(std::move(root)), origin_(std::move(origin)) {}

  toml::table root_;
  std::string origin_;
};

}  // namespace mh
