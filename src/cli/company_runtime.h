// CompanyRuntime: the real parts a company command wires together: the company's store,
// the process runner, the model runtime with a model cache, and the Company itself.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "cli/runtime.h"
#include "company/company.h"
#include "sandbox/process.h"
#include "store/store.h"

namespace mh::cli {

// Makes a company in `dir` (store, repository, company.toml, opening plan).
Status CreateCompanyIn(const std::string& dir, const company::Charter& charter);

// Opens the company's store read-write (kNormal durability: survives kill -9).
Result<std::unique_ptr<store::Store>> OpenCompanyStore(const std::string& dir);

class CompanyRuntime {
 public:
  // `model_override`: when not empty, every role uses this model. `limits` (flags) go
  // over company.toml's [model_limits] for every model, which go over `config`'s.
  static Result<std::unique_ptr<CompanyRuntime>> Open(const std::string& dir,
                                                      const UserConfig& config,
                                                      const std::string& model_override,
                                                      const llm::ModelLimits& limits = {});
  ~CompanyRuntime();

  company::Company& company() { return *company_; }
  // "company moved here from PATH" when it was, else empty.
  const std::string& folder_note() const { return folder_note_; }
  ModelRuntime& models() { return models_; }

 private:
  CompanyRuntime(UserConfig config, std::string model_override, llm::ModelLimits limits)
      : config_(std::move(config)),
        model_override_(std::move(model_override)),
        limits_(limits),
        models_(config_.max_attempts) {}
  Result<llm::Model*> ModelFor(const std::string& name);

  UserConfig config_;
  std::string model_override_;
  llm::ModelLimits limits_;
  ModelRuntime models_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<llm::Model>> cache_;  // Guarded by mutex_.
  std::string folder_note_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sandbox::RealProcessRunner> runner_;
  std::unique_ptr<company::Company> company_;  // Declared last: destroyed first.
};

}  // namespace mh::cli
