// Reading company.toml over the defaults, and writing the one `macrohard new` makes.
#include "company/charter.h"

#include <algorithm>
#include <sstream>

#include "base/config.h"

namespace mh::company {

const char* GateName(Gate gate) {
  switch (gate) {
    case Gate::kCi:
      return "ci";
    case Gate::kReview:
      return "review";
    case Gate::kMerge:
      return "merge";
    case Gate::kTag:
      return "tag";
  }
  return "unknown";
}

bool KindRule::has_gate(Gate gate) const {
  return std::find(gates.begin(), gates.end(), gate) != gates.end();
}

namespace {

// Reads the typed values of a table into fields, stopping at the first error.
class Reader {
 public:
  explicit Reader(const ConfigFile& file) : file_(file) {}

  Status String(const toml::table& t, std::string_view key, std::string& out) {
    ASSIGN_OR_RETURN(std::optional<std::string> v, file_.GetString(t, key));
    if (v) out = *v;
    return Status::Ok();
  }
  Status Int(const toml::table& t, std::string_view key, int64_t& out, int64_t min) {
    ASSIGN_OR_RETURN(std::optional<int64_t> v, file_.GetInt(t, key));
    if (!v) return Status::Ok();
    if (*v < min) {
      return file_.ErrorAt(*t.get(key),
                           "'" + std::string(key) + "' must be at least " + std::to_string(min));
    }
    out = *v;
    return Status::Ok();
  }
  Status Int(const toml::table& t, std::string_view key, int& out, int64_t min) {
    int64_t wide = out;
    RETURN_IF_ERROR(Int(t, key, wide, min));
    out = static_cast<int>(std::min<int64_t>(wide, 1'000'000));
    return Status::Ok();
  }
  Status Double(const toml::table& t, std::string_view key, double& out) {
    ASSIGN_OR_RETURN(std::optional<double> v, file_.GetDouble(t, key));
    if (!v) return Status::Ok();
    if (*v < 0) return file_.ErrorAt(*t.get(key), "'" + std::string(key) + "' must be >= 0");
    out = *v;
    return Status::Ok();
  }
  Status Bool(const toml::table& t, std::string_view key, bool& out) {
    ASSIGN_OR_RETURN(std::optional<bool> v, file_.GetBool(t, key));
    if (v) out = *v;
    return Status::Ok();
  }
  Status Strings(const toml::table& t, std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return Status::Ok();
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return file_.ErrorAt(*node, "'" + std::string(key) + "' must be a list of strings");
    }
    std::vector<std::string> values;
    for (const toml::node& item : *array) {
      std::optional<std::string> s = item.value<std::string>();
      if (!s) return file_.ErrorAt(item, "'" + std::string(key) + "' must hold strings only");
      values.push_back(*s);
    }
    out = std::move(values);
    return Status::Ok();
  }
  // The sub-table `key` of `t`, or null when absent; an error when it is not a table.
  Result<const toml::table*> Table(const toml::table& t, std::string_view key) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return static_cast<const toml::table*>(nullptr);
    if (!node->is_table())
      return file_.ErrorAt(*node, "'" + std::string(key) + "' must be a table");
    return node->as_table();
  }
  const ConfigFile& file() const { return file_; }

 private:
  const ConfigFile& file_;
};

Status ReadCompany(Reader& r, const toml::table& t, Charter& c) {
  RETURN_IF_ERROR(r.file().CheckKnownKeys(t, {"name", "brief", "acceptance", "model"}));
  RETURN_IF_ERROR(r.String(t, "name", c.name));
  RETURN_IF_ERROR(r.String(t, "brief", c.brief));
  RETURN_IF_ERROR(r.String(t, "model", c.model));
  return r.Strings(t, "acceptance", c.acceptance);
}

Status ReadRole(Reader& r, const std::string& name, const toml::table& t, Charter& c) {
  RETURN_IF_ERROR(r.file().CheckKnownKeys(
      t, {"count", "model", "tools", "prompt", "max_steps", "budget_tokens", "budget_usd"}));
  bool is_new = c.roles.count(name) == 0;
  Role& role = c.roles[name];
  role.name = name;
  RETURN_IF_ERROR(r.Int(t, "count", role.head_count, 0));
  RETURN_IF_ERROR(r.String(t, "model", role.model));
  RETURN_IF_ERROR(r.Strings(t, "tools", role.tools));
  RETURN_IF_ERROR(r.String(t, "prompt", role.prompt));
  RETURN_IF_ERROR(r.Int(t, "max_steps", role.max_steps, 1));
  RETURN_IF_ERROR(r.Int(t, "budget_tokens", role.budget.tokens, 0));
  RETURN_IF_ERROR(r.Double(t, "budget_usd", role.budget.usd));
  const std::vector<std::string>& known = KnownToolNames();
  for (const std::string& tool : role.tools) {
    if (std::find(known.begin(), known.end(), tool) == known.end()) {
      return r.file().ErrorAt(*t.get("tools"), "role " + name + ": unknown tool '" + tool + "'");
    }
  }
  if (is_new && (role.prompt.empty() || role.tools.empty())) {
    const toml::node& at = t.empty() ? static_cast<const toml::node&>(t) : t.begin()->second;
    return r.file().ErrorAt(at, "new role " + name + " needs a prompt and tools");
  }
  return Status::Ok();
}

Result<Gate> ParseGate(Reader& r, const toml::node& node) {
  std::optional<std::string> s = node.value<std::string>();
  if (s == "ci") return Gate::kCi;
  if (s == "review") return Gate::kReview;
  if (s == "merge") return Gate::kMerge;
  if (s == "tag") return Gate::kTag;
  return r.file().ErrorAt(node, "a gate is one of ci, review, merge, tag");
}

Status ReadKind(Reader& r, const std::string& kind, const toml::table& t, Charter& c) {
  RETURN_IF_ERROR(r.file().CheckKnownKeys(t, {"role", "gates"}));
  KindRule& rule = c.workflow[kind];
  RETURN_IF_ERROR(r.String(t, "role", rule.role));
  if (const toml::node* gates = t.get("gates")) {
    const toml::array* array = gates->as_array();
    if (array == nullptr) return r.file().ErrorAt(*gates, "'gates' must be a list");
    rule.gates.clear();
    for (const toml::node& g : *array) {
      ASSIGN_OR_RETURN(Gate gate, ParseGate(r, g));
      rule.gates.push_back(gate);
    }
  }
  if (rule.role.empty()) return r.file().ErrorAt(t, "workflow." + kind + " needs a role");
  return Status::Ok();
}

Status ReadEnvironment(Reader& r, const toml::table& root, sandbox::EnvironmentSpec& env) {
  ASSIGN_OR_RETURN(const toml::table* table, r.Table(root, "environment"));
  if (table == nullptr) return Status::Ok();
  RETURN_IF_ERROR(r.file().CheckKnownKeys(*table, {"setup", "inputs", "packages"}));
  if (const toml::node* setup = table->get("setup"); setup != nullptr && setup->is_string()) {
    env.setup = {setup->as_string()->get()};
  } else {
    RETURN_IF_ERROR(r.Strings(*table, "setup", env.setup));
  }
  RETURN_IF_ERROR(r.Strings(*table, "inputs", env.inputs));
  return r.Strings(*table, "packages", env.packages);
}

Status ReadSections(Reader& r, const toml::table& root, Charter& c) {
  RETURN_IF_ERROR(ReadEnvironment(r, root, c.environment));
  ASSIGN_OR_RETURN(const toml::table* limits, r.Table(root, "model_limits"));
  if (limits != nullptr) {
    ASSIGN_OR_RETURN(c.model_limits, llm::LoadModelLimits(r.file(), *limits));
  }
  ASSIGN_OR_RETURN(const toml::table* commands, r.Table(root, "commands"));
  if (commands != nullptr) {
    RETURN_IF_ERROR(r.file().CheckKnownKeys(*commands, {"build", "test", "timeout_seconds"}));
    RETURN_IF_ERROR(r.String(*commands, "build", c.commands.build));
    RETURN_IF_ERROR(r.String(*commands, "test", c.commands.test));
    RETURN_IF_ERROR(r.Int(*commands, "timeout_seconds", c.commands.timeout_seconds, 1));
    c.commands_from_file = !c.commands.build.empty() || !c.commands.test.empty();
  }
  ASSIGN_OR_RETURN(const toml::table* budget, r.Table(root, "budget"));
  if (budget != nullptr) {
    RETURN_IF_ERROR(r.file().CheckKnownKeys(*budget, {"tokens", "usd", "item_tokens", "item_usd"}));
    RETURN_IF_ERROR(r.Int(*budget, "tokens", c.budget.tokens, 0));
    RETURN_IF_ERROR(r.Double(*budget, "usd", c.budget.usd));
    RETURN_IF_ERROR(r.Int(*budget, "item_tokens", c.item_budget.tokens, 0));
    RETURN_IF_ERROR(r.Double(*budget, "item_usd", c.item_budget.usd));
  }
  ASSIGN_OR_RETURN(const toml::table* conc, r.Table(root, "concurrency"));
  if (conc != nullptr) {
    RETURN_IF_ERROR(r.file().CheckKnownKeys(*conc, {"max_sessions", "workers"}));
    RETURN_IF_ERROR(r.Int(*conc, "max_sessions", c.max_sessions, 1));
    RETURN_IF_ERROR(r.Int(*conc, "workers", c.workers, 0));
  }
  ASSIGN_OR_RETURN(const toml::table* policy, r.Table(root, "policy"));
  if (policy != nullptr) {
    RETURN_IF_ERROR(r.file().CheckKnownKeys(
        *policy, {"review_rounds", "acceptance_rounds", "network", "tag_prefix", "first_version",
                  "merge_train", "workspace_disk_mib", "model_retry_seconds"}));
    RETURN_IF_ERROR(r.Int(*policy, "merge_train", c.merge_train, 1));
    RETURN_IF_ERROR(r.Int(*policy, "review_rounds", c.max_review_rounds, 1));
    RETURN_IF_ERROR(r.Int(*policy, "acceptance_rounds", c.max_acceptance_rounds, 1));
    RETURN_IF_ERROR(r.Bool(*policy, "network", c.network));
    RETURN_IF_ERROR(r.Int(*policy, "workspace_disk_mib", c.workspace_disk_mib, 0));
    RETURN_IF_ERROR(r.Int(*policy, "model_retry_seconds", c.model_retry_seconds, 1));
    RETURN_IF_ERROR(r.String(*policy, "tag_prefix", c.tag_prefix));
    RETURN_IF_ERROR(r.String(*policy, "first_version", c.first_version));
  }
  return Status::Ok();
}

Status ReadTables(Reader& r, const toml::table& root, Charter& c) {
  ASSIGN_OR_RETURN(const toml::table* company, r.Table(root, "company"));
  if (company == nullptr) return InvalidArgumentError(r.file().origin() + ": no [company] table");
  RETURN_IF_ERROR(ReadCompany(r, *company, c));
  ASSIGN_OR_RETURN(const toml::table* roles, r.Table(root, "roles"));
  if (roles != nullptr) {
    for (const auto& [name, node] : *roles) {
      if (!node.is_table())
        return r.file().ErrorAt(node, "roles." + std::string(name.str()) + " must be a table");
      RETURN_IF_ERROR(ReadRole(r, std::string(name.str()), *node.as_table(), c));
    }
  }
  ASSIGN_OR_RETURN(const toml::table* workflow, r.Table(root, "workflow"));
  if (workflow != nullptr) {
    for (const auto& [kind, node] : *workflow) {
      if (!node.is_table())
        return r.file().ErrorAt(node, "workflow." + std::string(kind.str()) + " must be a table");
      RETURN_IF_ERROR(ReadKind(r, std::string(kind.str()), *node.as_table(), c));
      if (c.roles.count(c.workflow[std::string(kind.str())].role) == 0) {
        return r.file().ErrorAt(node, "workflow." + std::string(kind.str()) + ": no role named '" +
                                          c.workflow[std::string(kind.str())].role + "'");
      }
    }
  }
  return ReadSections(r, root, c);
}

}  // namespace

namespace {

Result<Charter> CharterFrom(const ConfigFile& file) {
  RETURN_IF_ERROR(
      file.CheckKnownKeys(file.root(), {"company", "roles", "workflow", "commands", "budget",
                                        "concurrency", "policy", "environment", "model_limits"}));
  Charter charter = DefaultCharter("", "", "");
  Reader reader(file);
  RETURN_IF_ERROR(ReadTables(reader, file.root(), charter));
  if (charter.name.empty()) {
    return InvalidArgumentError(file.origin() + ": [company] needs a name");
  }
  if (charter.brief.empty()) {
    return InvalidArgumentError(file.origin() + ": [company] needs a brief");
  }
  return charter;
}

}  // namespace

Result<Charter> ParseCharter(const std::string& text, const std::string& origin) {
  ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Parse(text, origin));
  return CharterFrom(file);
}

Result<Charter> LoadCharter(const std::string& path) {
  ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Load(path));
  return CharterFrom(file);
}

Result<sandbox::EnvironmentSpec> LoadEnvironment(const std::string& path) {
  ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Load(path));
  RETURN_IF_ERROR(file.CheckKnownKeys(file.root(), {"environment"}));
  Reader reader(file);
  sandbox::EnvironmentSpec env;
  RETURN_IF_ERROR(ReadEnvironment(reader, file.root(), env));
  return env;
}

namespace {

std::string TomlString(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);
  return out.str();
}

}  // namespace

std::string RenderCharterToml(const Charter& c) {
  std::ostringstream out;
  out << "# A Macrohard company. Every setting below the [company] table is optional;\n"
         "# the commented values are the defaults. docs/company.md lists every key.\n\n"
         "[company]\n"
      << "name = " << TomlString(c.name) << "\n"
      << "model = " << TomlString(c.model) << "\n"
      << "brief = " << TomlString(c.brief) << "\n";
  if (!c.acceptance.empty()) {
    out << "acceptance = [";
    for (size_t i = 0; i < c.acceptance.size(); ++i) {
      out << (i ? ", " : "") << TomlString(c.acceptance[i]);
    }
    out << "]\n";
  }
  out << "\n# [roles.engineer]\n# count = 4\n# model = \"\"          # empty: the company's model\n"
         "# max_steps = 60\n# budget_tokens = 0    # 0: no limit\n\n"
         "# [commands]           # set by the architect unless given here\n"
         "# build = \"\"\n# test = \"\"\n# timeout_seconds = 600\n\n"
         "# [budget]\n# tokens = 0\n# usd = 0\n# item_tokens = 0\n# item_usd = 0\n\n"
         "# [concurrency]\n# max_sessions = 16\n# workers = 0         # 0: one per core\n\n"
         "# [policy]\n# review_rounds = 3\n# acceptance_rounds = 3\n# merge_train = 1\n"
         "# network = false\n"
         "# workspace_disk_mib = 8192   # each workspace's disk quota; 0: none\n"
         "# model_retry_seconds = 10    # first wait when the model does not answer\n"
         "# tag_prefix = \"v\"\n# first_version = \"0.1.0\"\n\n"
         "# Set-up run once with the network before builds and tests (again when the\n"
         "# commands or the inputs change); tools go under $MH_ENV, for example\n"
         "# setup = [\"python3 -m venv $MH_ENV/venv\", \"pip install -r requirements.txt\"]\n"
         "# [environment]\n# setup = []\n# inputs = []     # e.g. [\"requirements.txt\"]\n"
         "# packages = []   # Debian packages the product needs\n\n"
         "# The model's context window and output limit in tokens, when its defaults\n"
         "# (docs/models.md) are not right, e.g. for a local server:\n"
         "# [model_limits.\"vllm/qwen3-32b\"]\n# context_window = 32768\n"
         "# output_limit = 4096\n";
  return out.str();
}

}  // namespace mh::company
