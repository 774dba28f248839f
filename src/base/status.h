// Status and Result<T>: expected failures as values.
//
// A Status is a code and a message; Status::Ok() carries neither. Result<T> is
// either a T or a non-ok Status. Functions that can fail return one of the two;
// exceptions from libraries are caught at each layer's public boundary and turned
// into a Status there.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace mh {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong: config, arguments, model output
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a thing to be created is there already
  kFailedPrecondition,  // the system is not in a state that allows the operation
  kUnavailable,         // a transient failure: network, HTTP 429/5xx; retrying may help
  kDeadlineExceeded,    // a time limit ran out
  kCancelled,           // the caller asked to stop
  kResourceExhausted,   // a budget, quota, disk or limit is used up
  kPermissionDenied,    // credentials are missing or refused
  kDataLoss,            // stored data is damaged
  kUnimplemented,       // the operation is not supported here
  kInternal,            // a broken invariant or an unexpected library failure
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NOT_FOUND: no such session s-1", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message". Ok stays Ok.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status CancelledError(std::string message);
Status ResourceExhaustedError(std::string message);
Status PermissionDeniedError(std::string message);
Status DataLossError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);

// Result<T> holds a T or a non-ok Status. It converts from either, so a function
// returning Result<T> can `return value;` or `return NotFoundError("...");`.
template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Status> {
  using Base = tl::expected<T, Status>;

 public:
  using Base::Base;
  Result(const Status& status) : Base(tl::unexpect, status) { CheckNotOk(); }
  Result(Status&& status) : Base(tl::unexpect, std::move(status)) { CheckNotOk(); }

  bool ok() const { return this->has_value(); }
  Status status() const { return ok() ? Status::Ok() : this->error(); }

 private:
  void CheckNotOk() const {
    if (this->error().ok()) {
      // An ok Status carries no value: a programming error, never outside input.
      AbortWithMessage("Result<T> constructed from an ok Status");
    }
  }
  [[noreturn]] static void AbortWithMessage(const char* message);
};

[[noreturn]] void Abort(const char* message);

template <typename T>
void Result<T>::AbortWithMessage(const char* message) {
  Abort(message);
}

namespace internal {
inline const Status& ToStatus(const Status& status) { return status; }
template <typename T>
Status ToStatus(const Result<T>& result) {
  return result.status();
}
}  // namespace internal

}  // namespace mh

#define MH_CONCAT_INNER_(a, b) a##b
#define MH_CONCAT_(a, b) MH_CONCAT_INNER_(a, b)

// Returns the Status of `expr` (a Status or a Result) from the enclosing function if it is not ok.
#define RETURN_IF_ERROR(expr)                                 \
  do {                                                        \
    ::mh::Status mh_status_ = ::mh::internal::ToStatus(expr); \
    if (!mh_status_.ok()) return mh_status_;                  \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` assigns the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  MH_ASSIGN_OR_RETURN_IMPL_(MH_CONCAT_(mh_result_, __LINE__), lhs, expr)
#define MH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)      \
  auto tmp = (expr);                                   \
  if (!tmp.has_value()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()

// Aborts with a message when an internal invariant does not hold. Never for outside input.
#define MH_CHECK(cond)                                                \
  do {                                                                \
    if (!(cond)) ::mh::Abort("check failed: " #cond " at " __FILE__); \
  } while (0)
