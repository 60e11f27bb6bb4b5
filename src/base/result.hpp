#pragma once
#include <string>
#include <utility>
#include <variant>

namespace awmg {

// An expected failure: a message the user sees verbatim.
struct Error {
  std::string message;
};

// Either a value or an Error. Expected failures travel in this; exceptions are for programming errors.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result for operations with nothing to return.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() {
  return Ok{};
}

}  // namespace awmg

// `AWMG_TRY(auto x, expr);` evaluates a Result, returns its Error from the enclosing function on failure,
// and otherwise declares `x` bound to the value.
#define AWMG_CONCAT_INNER(a, b) a##b
#define AWMG_CONCAT(a, b) AWMG_CONCAT_INNER(a, b)
#define AWMG_TRY(decl, expr) AWMG_TRY_IMPL(AWMG_CONCAT(awmg_result_, __LINE__), decl, expr)
#define AWMG_TRY_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                   \
  if (!tmp) return tmp.error();        \
  decl = std::move(tmp).value()

// `AWMG_CHECK(expr);` returns the Error of a failed Status from the enclosing function.
#define AWMG_CHECK(expr) AWMG_CHECK_IMPL(AWMG_CONCAT(awmg_status_, __LINE__), expr)
#define AWMG_CHECK_IMPL(tmp, expr) \
  if (auto tmp = (expr); !tmp) return tmp.error()
