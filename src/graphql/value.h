#pragma once
// The dynamic value that flows through the GraphQL engine: coerced arguments and variables,
// values returned by resolvers, and the response data. A Value is null, a boolean, a 64-bit
// integer, a double, a string, a list, an object (ordered key/value pairs) or an opaque handle
// to a domain object (a shared_ptr that only resolvers look into).
//
// Values are plain data with value semantics (copies are deep, except handles, which share
// their pointee). Not synchronised: share a Value between threads only when no one mutates it.

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

namespace retrain::graphql {

class Value;

// An opaque pointer to a domain object, tagged with its C++ type.
struct Handle {
  std::shared_ptr<const void> ptr;
  const std::type_info* type = nullptr;
};

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kList, kObject, kHandle };
  using List = std::vector<Value>;
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) Value(T i) : data_(static_cast<int64_t>(i)) {}
  Value(double d) : data_(d) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(List l) : data_(std::move(l)) {}
  Value(Object o) : data_(std::move(o)) {}

  static Value EmptyList() { return Value(List{}); }
  static Value EmptyObject() { return Value(Object{}); }
  // Wraps a domain object. Resolvers get it back with HandleAs<T>().
  template <typename T>
  static Value FromHandle(std::shared_ptr<const T> p) {
    Value v;
    v.data_ = Handle{std::static_pointer_cast<const void>(std::move(p)), &typeid(T)};
    return v;
  }
  template <typename T>
  static Value FromHandle(std::shared_ptr<T> p) {
    return FromHandle(std::shared_ptr<const T>(std::move(p)));
  }

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool IsNull() const { return kind() == Kind::kNull; }
  bool IsBool() const { return kind() == Kind::kBool; }
  bool IsInt() const { return kind() == Kind::kInt; }
  bool IsFloat() const { return kind() == Kind::kFloat; }
  bool IsNumber() const { return IsInt() || IsFloat(); }
  bool IsString() const { return kind() == Kind::kString; }
  bool IsList() const { return kind() == Kind::kList; }
  bool IsObject() const { return kind() == Kind::kObject; }
  bool IsHandle() const { return kind() == Kind::kHandle; }

  // Accessors; calling the wrong one for the kind is a programming error (std::bad_variant_access).
  bool AsBool() const { return std::get<bool>(data_); }
  int64_t AsInt() const { return std::get<int64_t>(data_); }
  // An Int or a Float as double.
  double AsNumber() const {
    return IsInt() ? static_cast<double>(AsInt()) : std::get<double>(data_);
  }
  const std::string& AsString() const { return std::get<std::string>(data_); }
  const List& AsList() const { return std::get<List>(data_); }
  List& AsList() { return std::get<List>(data_); }
  const Object& AsObject() const { return std::get<Object>(data_); }
  Object& AsObject() { return std::get<Object>(data_); }
  const Handle& AsHandle() const { return std::get<Handle>(data_); }

  // The domain object behind a handle when it was stored as T; null otherwise.
  template <typename T>
  std::shared_ptr<const T> HandleAs() const {
    if (!IsHandle() || AsHandle().type == nullptr || *AsHandle().type != typeid(T)) return nullptr;
    return std::static_pointer_cast<const T>(AsHandle().ptr);
  }

  // Object member lookup; nullptr when this is not an object or has no such key.
  const Value* Find(std::string_view key) const;
  // Sets an object member (replacing an existing one, else appending). Turns null into {}.
  Value& Set(std::string key, Value v);
  // Appends to a list. Turns null into [].
  Value& Push(Value v);

  // Structural equality (Int 1 and Float 1.0 are different; handles compare by pointer).
  friend bool operator==(const Value& a, const Value& b);

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, List, Object, Handle> data_;
};

// Formats a number as JavaScript's Number#toString does ("1", "0.5", "1e+21", "1e-7").
std::string FormatJsNumber(double d);
// Renders a value as graphql-js's inspect() does in error messages: strings JSON-quoted,
// lists as [a, b], objects as { key: value }.
std::string Inspect(const Value& v);

}  // namespace retrain::graphql
