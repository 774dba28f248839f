#include "base/config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mh {
namespace {

std::string Where(const std::string& origin, const toml::source_region& region) {
  return origin + ":" + std::to_string(region.begin.line);
}

template <typename T>
Result<std::optional<T>> GetTyped(const ConfigFile& file, const toml::table& table,
                                  std::string_view key, std::string_view type_name) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::optional<T>();
  std::optional<T> value = node->value_exact<T>();
  if constexpr (std::is_same_v<T, double>) {
    if (!value) value = node->value<T>();  // An integer is a fine double.
  }
  if (!value) {
    return file.ErrorAt(*node, "'" + std::string(key) + "' must be " + std::string(type_name));
  }
  return value;
}

}  // namespace

Result<ConfigFile> ConfigFile::Load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFoundError("no such file: " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgumentError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

Result<ConfigFile> ConfigFile::Parse(std::string_view text, std::string origin) {
  try {
    toml::table table = toml::parse(text, origin);
    return ConfigFile(std::move(table), std::move(origin));
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return InvalidArgumentError(origin + ":" + std::to_string(begin.line) + ":" +
                                std::to_string(begin.column) + ": " + std::string(e.description()));
  }
}

Status ConfigFile::ErrorAt(const toml::node& node, std::string_view message) const {
  return InvalidArgumentError(Where(origin_, node.source()) + ": " + std::string(message));
}

Result<std::optional<std::string>> ConfigFile::GetString(const toml::table& table,
                                                         std::string_view key) const {
  return GetTyped<std::string>(*this, table, key, "a string");
}

Result<std::optional<int64_t>> ConfigFile::GetInt(const toml::table& table,
                                                  std::string_view key) const {
  return GetTyped<int64_t>(*this, table, key, "an integer");
}

Result<std::optional<double>> ConfigFile::GetDouble(const toml::table& table,
                                                    std::string_view key) const {
  return GetTyped<double>(*this, table, key, "a number");
}

Result<std::optional<bool>> ConfigFile::GetBool(const toml::table& table,
                                                std::string_view key) const {
  return GetTyped<bool>(*this, table, key, "true or false");
}

Status ConfigFile::CheckKnownKeys(const toml::table& table,
                                  std::initializer_list<std::string_view> known) const {
  for (const auto& [key, node] : table) {
    bool found = false;
    for (std::string_view k : known) found = found || key.str() == k;
    if (found) continue;
    std::string valid;
    for (std::string_view k : known) valid += (valid.empty() ? "" : ", ") + std::string(k);
    return ErrorAt(node, "unknown key '" + std::string(key.str()) + "' (valid: " + valid + ")");
  }
  return Status::Ok();
}

}  // namespace mh
