// The one error convention of zest: a value or an error, for failures that
// are expected (bad input, a peer that said no). Exceptions stay for the
// truly exceptional. `Status` is the same for operations without a value.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace zest {

template <class T, class E = std::string>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  static Result failure(E error) { return Result(std::in_place_index<1>, std::move(error)); }
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(v_); }

 private:
  template <std::size_t I, class U>
  Result(std::in_place_index_t<I> i, U&& u) : v_(i, std::forward<U>(u)) {}
  std::variant<T, E> v_;
};

// Success, or an error message. `Status{}` is success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status success() { return {}; }
  static Status failure(std::string error) {
    Status s;
    s.failed_ = true;
    s.error_ = std::move(error);
    return s;
  }
  template <class T>
  static Status from(const Result<T>& r) {
    return r ? success() : failure(r.error());
  }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_; }

 private:
  bool failed_ = false;
  std::string error_;
};

}  // namespace zest
