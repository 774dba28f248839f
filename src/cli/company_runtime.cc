#include "cli/company_runtime.h"

#include <filesystem>

#include "company/folder.h"

namespace mh::cli {

Result<std::unique_ptr<store::Store>> OpenCompanyStore(const std::string& dir) {
  company::CompanyPaths paths = company::PathsFor(dir);
  std::error_code ec;
  if (!std::filesystem::exists(paths.charter, ec)) {
    return NotFoundError(paths.root + " holds no company (no company.toml)");
  }
  // Never made afresh here: a missing store is a lost company, not a new one.
  RETURN_IF_ERROR(company::StoreFilePresent(dir));
  std::filesystem::create_directories(paths.state_dir, ec);
  return store::OpenSqliteStore(paths.store, {.durability = store::Durability::kNormal});
}

Status CreateCompanyIn(const std::string& dir, const company::Charter& charter) {
  company::CompanyPaths paths = company::PathsFor(dir);
  std::error_code ec;
  if (std::filesystem::exists(paths.charter, ec)) {
    return AlreadyExistsError(paths.root + " already holds a company (company.toml)");
  }
  std::filesystem::create_directories(paths.state_dir, ec);
  if (ec) return InternalError("cannot create " + paths.state_dir + ": " + ec.message());
  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store,
                   store::OpenSqliteStore(paths.store, {.durability = store::Durability::kNormal}));
  ASSIGN_OR_RETURN(std::unique_ptr<sandbox::RealProcessRunner> runner,
                   sandbox::RealProcessRunner::Create());
  return company::CreateCompany(dir, charter, *store, *runner);
}

Result<std::unique_ptr<CompanyRuntime>> CompanyRuntime::Open(const std::string& dir,
                                                             const UserConfig& config,
                                                             const std::string& model_override,
                                                             const llm::ModelLimits& limits) {
  std::unique_ptr<CompanyRuntime> rt(new CompanyRuntime(config, model_override, limits));
  ASSIGN_OR_RETURN(rt->store_, OpenCompanyStore(dir));
  RETURN_IF_ERROR(company::VerifyStore(dir, *rt->store_));
  RETURN_IF_ERROR(company::EnterFolder(dir, &rt->folder_note_));
  ASSIGN_OR_RETURN(rt->runner_, sandbox::RealProcessRunner::Create());
  CompanyRuntime* raw = rt.get();
  company::CompanyDeps deps{
      .store = rt->store_.get(),
      .runner = rt->runner_.get(),
      .models = [raw](const std::string& name) { return raw->ModelFor(name); },
      .clock = &SystemClock()};
  ASSIGN_OR_RETURN(rt->company_, company::Company::Open(dir, std::move(deps)));
  // A model name that cannot be made is refused now, not in the middle of the run.
  RETURN_IF_ERROR(rt->ModelFor(rt->company_->charter().model).status());
  return rt;
}

CompanyRuntime::~CompanyRuntime() {
  company_.reset();
  std::lock_guard<std::mutex> lock(mutex_);
  cache_.clear();  // Models before the runtime that made them.
}

Result<llm::Model*> CompanyRuntime::ModelFor(const std::string& name) {
  const std::string& wanted = model_override_.empty() ? name : model_override_;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = cache_.find(wanted);
  if (it != cache_.end()) return it->second.get();
  llm::ModelLimits limits =
      llm::WithOverrides(llm::LimitsFor(company_->charter().model_limits, wanted), limits_);
  ASSIGN_OR_RETURN(std::unique_ptr<llm::Model> model, models_.MakeModel(wanted, config_, limits));
  llm::Model* raw = model.get();
  cache_[wanted] = std::move(model);
  return raw;
}

}  // namespace mh::cli
