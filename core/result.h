// Result<T>: the value a fallible call returns, or the Error a caller can act on.
//
// Errors that callers branch on are values, not exceptions: one table of codes
// (ErrorCode) plus a human message that says what was wrong, the value found and what
// would be accepted. A code exists only if some caller branches on it. Exceptions stay at
// process edges (configuration load, main).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace kci {

//! The one table of error codes. Add a code only when some caller branches on it.
enum class ErrorCode {
  kInvalidArgument,  //!< input is malformed or outside what is accepted (HTTP 400/422)
  kNotFound,         //!< the named object does not exist (404)
  kAlreadyExists,    //!< the name is taken (409 AlreadyExists)
  kConflict,         //!< stale resourceVersion or precondition failed (409 Conflict)
  kGone,             //!< a watch resourceVersion older than the history (410 Expired)
  kUnauthorized,     //!< bad credentials or signature (401/403)
  kForbidden,        //!< authenticated but not allowed (403)
  kThrottled,        //!< rate limited; retry later (429 / KCI Throttling)
  kUnavailable,      //!< transient failure; retry with backoff (5xx, timeouts)
  kResourceExhausted,//!< stock, quota, IPs or security-group room exhausted
  kUnsupported,      //!< a feature the target cannot carry
  kInternal,         //!< a bug: an invariant did not hold
};

//! Stable lower-case name of a code, for logs and reports.
std::string_view error_code_name(ErrorCode code);

//! An error a caller can act on: a code to branch on and a message for people.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  //! A machine-readable reason from the remote side (a KCI error code such as NoStock,
  //! a Kubernetes Status reason); empty when the error is ours.
  std::string reason;

  bool operator==(const Error&) const = default;
};

inline Error make_error(ErrorCode code, std::string message, std::string reason = {}) {
  return Error{code, std::move(message), std::move(reason)};
}
inline Error invalid_argument(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), {}};
}

//! Either a T or an Error. [[nodiscard]]: an ignored failure is a bug.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                 // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}             // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  Error&& take_error() { assert(!ok()); return std::get<1>(std::move(v_)); }

  //! The value, or `fallback` on error.
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

//! Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *e_; }
  Error&& take_error() { assert(!ok()); return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace kci

//! Propagates an error: `KCI_TRY(auto x, parse(s));` or `KCI_TRY_STATUS(check(s));`.
#define KCI_CONCAT_INNER(a, b) a##b
#define KCI_CONCAT(a, b) KCI_CONCAT_INNER(a, b)
#define KCI_TRY_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                  \
  if (!tmp.ok()) return tmp.take_error(); \
  decl = std::move(tmp).value()
#define KCI_TRY(decl, expr) KCI_TRY_IMPL(KCI_CONCAT(kci_try_, __LINE__), decl, expr)
#define KCI_TRY_STATUS(expr)                       \
  do {                                             \
    auto kci_try_status_ = (expr);                 \
    if (!kci_try_status_.ok()) return kci_try_status_.take_error(); \
  } while (0)
