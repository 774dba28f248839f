#include "llm/limits_config.h"

namespace mh::llm {

Result<LimitsByModel> LoadModelLimits(const ConfigFile& file, const toml::table& table) {
  LimitsByModel out;
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    const toml::table* limits = node.as_table();
    if (limits == nullptr) {
      return file.ErrorAt(node, "'" + name +
                                    "' must be a table such as { context_window = 32768, "
                                    "output_limit = 4096 }");
    }
    RETURN_IF_ERROR(file.CheckKnownKeys(*limits, {"context_window", "output_limit"}));
    ModelLimits read;
    for (auto [field, target] : {std::pair{"context_window", &read.context_window},
                                 std::pair{"output_limit", &read.output_limit}}) {
      ASSIGN_OR_RETURN(std::optional<int64_t> value, file.GetInt(*limits, field));
      if (!value) continue;
      if (*value <= 0) {
        return file.ErrorAt(*limits->get(field),
                            "'" + std::string(field) + "' must be a positive number of tokens");
      }
      *target = *value;
    }
    if (read.context_window > 0 && read.output_limit > read.context_window) {
      return file.ErrorAt(
          node, "'" + name + "': output_limit " + std::to_string(read.output_limit) +
                    " is larger than its context_window " + std::to_string(read.context_window));
    }
    out.emplace(std::move(name), read);
  }
  return out;
}

ModelLimits LimitsFor(const LimitsByModel& table, std::string_view name) {
  auto it = table.find(name);
  return it == table.end() ? ModelLimits{} : it->second;
}

}  // namespace mh::llm
