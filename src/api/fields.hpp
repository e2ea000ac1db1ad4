// The JSON mapping of every request and reply type, written once per type as its list of
// fields (ASUP_API_FIELDS): decoding, encoding and the field names docs/protocol.md is
// checked against all come from that one list.
//
// Decoding is strict about types and lenient about presence: a missing or null field keeps
// the type's default, a field of the wrong type (a string for a number, a float or an
// out-of-range number for an integer, ...) is refused with an error naming the field. Fields
// the type does not know are ignored, so a newer client may add optional fields.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "asup/result.hpp"

// Inside a struct: ASUP_API_FIELDS(ids, timeout) gives it the visitor every codec uses; the
// JSON names are the member names.
#define ASUP_API_FIELD_VISIT(name) visit(#name, self.name);
#define ASUP_API_FIELDS(...)                                                     \
  template <class Self, class Visit>                                             \
  static void fields(Self& self, Visit&& visit) {                                \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(ASUP_API_FIELD_VISIT, __VA_ARGS__)) \
  }
// The same for a type with more fields than one list can hold (the paste macro stops at 64):
// ASUP_API_FIELDS2((a, b, ...), (c, d, ...)).
#define ASUP_API_VISIT_ALL(...) \
  NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(ASUP_API_FIELD_VISIT, __VA_ARGS__))
#define ASUP_API_FIELDS2(first, second)                \
  template <class Self, class Visit>                   \
  static void fields(Self& self, Visit&& visit) {      \
    ASUP_API_VISIT_ALL first ASUP_API_VISIT_ALL second \
  }
// For a type with no fields.
#define ASUP_API_NO_FIELDS           \
  template <class Self, class Visit> \
  static void fields(Self&, Visit&&) {}

namespace asup::api {

template <class T, class = void>
struct has_fields : std::false_type {};
template <class T>
struct has_fields<T, std::void_t<decltype(T::fields(std::declval<T&>(),
                                                    std::declval<void (*)(const char*, int&)>()))>>
    : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_string_map : std::false_type {};
template <class V>
struct is_string_map<std::map<std::string, V>> : std::true_type {};

namespace detail {

inline Status wrong_type(const std::string& path) {
  return fail(EINVAL, "invalid request: field \"" + path + "\" has the wrong type");
}

template <class T>
Status read(const nlohmann::json& j, T& out, const std::string& path);

template <class T>
Status read_integer(const nlohmann::json& j, T& out, const std::string& path) {
  if (j.is_number_unsigned()) {
    auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return wrong_type(path);
    out = static_cast<T>(v);
    return ok();
  }
  if (!j.is_number_integer()) return wrong_type(path);
  auto v = j.get<std::int64_t>();
  if constexpr (std::is_unsigned_v<T>) {
    if (v < 0) return wrong_type(path);
    if (static_cast<std::uint64_t>(v) > std::numeric_limits<T>::max()) return wrong_type(path);
  } else {
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
      return wrong_type(path);
  }
  out = static_cast<T>(v);
  return ok();
}

template <class T>
Status read_struct(const nlohmann::json& j, T& out, const std::string& path) {
  if (!j.is_object()) return wrong_type(path);
  Status status = ok();
  T::fields(out, [&](const char* name, auto& field) {
    if (!status) return;
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return;
    status = read(*it, field, path.empty() ? std::string(name) : path + "." + name);
  });
  return status;
}

template <class T>
Status read(const nlohmann::json& j, T& out, const std::string& path) {
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    out = j;
    return ok();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return wrong_type(path);
    out = j.get<bool>();
    return ok();
  } else if constexpr (std::is_integral_v<T>) {
    return read_integer(j, out, path);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) return wrong_type(path);
    out = j.get<T>();
    if (!std::isfinite(out)) return wrong_type(path);
    return ok();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return wrong_type(path);
    out = j.get<std::string>();
    return ok();
  } else if constexpr (is_optional<T>::value) {
    typename T::value_type v{};
    if (auto s = read(j, v, path); !s) return s;
    out = std::move(v);
    return ok();
  } else if constexpr (has_fields<T>::value) {
    return read_struct(j, out, path);
  } else {
    // std::vector<E> or std::map<std::string, E>
    if constexpr (is_string_map<T>::value) {
      if (!j.is_object()) return wrong_type(path);
      out.clear();
      for (auto& [key, value] : j.items()) {
        typename T::mapped_type v{};
        if (auto s = read(value, v, path + "." + key); !s) return s;
        out.emplace(key, std::move(v));
      }
      return ok();
    } else {
      if (!j.is_array()) return wrong_type(path);
      out.clear();
      out.reserve(j.size());
      for (std::size_t i = 0; i < j.size(); ++i) {
        typename T::value_type v{};
        if (auto s = read(j[i], v, path + "[" + std::to_string(i) + "]"); !s) return s;
        out.push_back(std::move(v));
      }
      return ok();
    }
  }
}

template <class T>
nlohmann::json write(const T& v);

template <class T>
nlohmann::json write_struct(const T& v) {
  nlohmann::json out = nlohmann::json::object();
  T::fields(v, [&](const char* name, const auto& field) {
    using F = std::decay_t<decltype(field)>;
    if constexpr (is_optional<F>::value) {
      if (!field) return;  // an unset optional is left out, not sent as null
    }
    out[name] = write(field);
  });
  return out;
}

template <class T>
nlohmann::json write(const T& v) {
  if constexpr (is_optional<T>::value) {
    return v ? write(*v) : nlohmann::json(nullptr);
  } else if constexpr (has_fields<T>::value) {
    return write_struct(v);
  } else if constexpr (std::is_same_v<T, nlohmann::json> || std::is_arithmetic_v<T> ||
                       std::is_same_v<T, std::string>) {
    return nlohmann::json(v);
  } else if constexpr (is_string_map<T>::value) {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [key, value] : v) out[key] = write(value);
    return out;
  } else {
    nlohmann::json out = nlohmann::json::array();
    for (auto& e : v) out.push_back(write(e));
    return out;
  }
}

}  // namespace detail

// The typed value of a JSON object, or an EINVAL naming the first field of the wrong type.
template <class T>
Result<T> decode(const nlohmann::json& j) {
  T out{};
  if (auto s = detail::read_struct(j, out, ""); !s) {
    if (!j.is_object()) return fail(EINVAL, "invalid request: not a JSON object");
    return s.error();
  }
  return out;
}

template <class T>
nlohmann::json encode(const T& v) {
  return detail::write_struct(v);
}

// The JSON names of T's fields, in declaration order.
template <class T>
std::vector<std::string> field_names() {
  std::vector<std::string> names;
  T value{};
  T::fields(value, [&](const char* name, auto&) { names.emplace_back(name); });
  return names;
}

}  // namespace asup::api
