#include "control/hello.hpp"

#include <limits>
#include <nlohmann/json.hpp>

namespace asup::control {
namespace {

using nlohmann::json;

// A positive integer no larger than `max`: JSON floats, negative numbers, booleans and
// anything else are refused (nlohmann would convert some of them, or throw on others).
Result<long long> positive_integer(const json& hello, const char* key, long long max) {
  auto it = hello.find(key);
  if (it == hello.end()) return fail(EPROTO, std::string("hello without \"") + key + "\"");
  if (it->is_number_unsigned()) {
    auto v = it->get<unsigned long long>();
    if (v >= 1 && v <= static_cast<unsigned long long>(max)) return static_cast<long long>(v);
  } else if (it->is_number_integer()) {
    auto v = it->get<long long>();
    if (v >= 1 && v <= max) return v;
  } else {
    return fail(EPROTO, std::string("hello: \"") + key + "\" is not an integer");
  }
  return fail(EPROTO, std::string("hello: \"") + key + "\" is out of range");
}

Result<std::string> string_field(const json& hello, const char* key) {
  auto it = hello.find(key);
  if (it == hello.end()) return fail(EPROTO, std::string("hello without \"") + key + "\"");
  if (!it->is_string()) return fail(EPROTO, std::string("hello: \"") + key + "\" is not a string");
  return it->get<std::string>();
}

// One path component the daemon may open relative to a directory fd: no '/', no NUL
// (JSON may carry \u0000, which would cut a C string short), not "." or "..".
bool plain_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

struct ClientPath {
  std::string dir, name;
};

// CLIENTS_DIR/DIR/NAME -> {DIR, NAME}; anything else (other prefixes, "..", "//",
// deeper or shallower paths) is refused: asupd opens these as root.
Result<ClientPath> split_client_path(std::string_view path, std::string_view clients_dir,
                                     const char* key) {
  auto refuse = [&] {
    return fail(EPERM, std::string("hello: \"") + key + "\" is not a FIFO of a client dir under " +
                           std::string(clients_dir));
  };
  if (path.size() <= clients_dir.size() || path.substr(0, clients_dir.size()) != clients_dir ||
      path[clients_dir.size()] != '/')
    return refuse();
  std::string_view rest = path.substr(clients_dir.size() + 1);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return refuse();
  std::string_view dir = rest.substr(0, slash), name = rest.substr(slash + 1);
  if (!plain_name(dir) || !plain_name(name)) return refuse();
  return ClientPath{std::string(dir), std::string(name)};
}

}  // namespace

Result<Hello> parse_hello(std::string_view line, std::string_view clients_dir) {
  // No exceptions: a parse error is a discarded value, and every access below checks the
  // type first (json::value() throws on a type mismatch, which once took the daemon down).
  json doc = json::parse(line.begin(), line.end(), nullptr, false);
  if (doc.is_discarded()) return fail(EPROTO, "hello is not JSON");
  if (!doc.is_object()) return fail(EPROTO, "hello is not a JSON object");
  Hello hello;
  ASUP_TRY(auto version, positive_integer(doc, "hello", std::numeric_limits<int>::max()));
  hello.version = static_cast<int>(version);
  // pid_max is at most 2^22 on Linux; pid_t is an int.
  ASUP_TRY(auto pid, positive_integer(doc, "pid", std::numeric_limits<pid_t>::max()));
  hello.pid = static_cast<pid_t>(pid);
  ASUP_TRY(auto req_path, string_field(doc, "requests"));
  ASUP_TRY(auto rep_path, string_field(doc, "replies"));
  ASUP_TRY(auto req, split_client_path(req_path, clients_dir, "requests"));
  ASUP_TRY(auto rep, split_client_path(rep_path, clients_dir, "replies"));
  if (req.dir != rep.dir) return fail(EPROTO, "hello: the FIFOs are in different client dirs");
  if (req.name == rep.name) return fail(EPROTO, "hello: one FIFO named for requests and replies");
  hello.dir = std::move(req.dir);
  hello.requests = std::move(req.name);
  hello.replies = std::move(rep.name);
  return hello;
}

Result<Hello> find_hello(std::string_view line, std::string_view clients_dir) {
  auto whole = parse_hello(line, clients_dir);
  if (whole) return whole;
  // Left to right: the real hello is a suffix starting at its own '{', and a '{' inside
  // the garbage before it cannot start a valid object that ends where the hello ends. Only
  // a '{' that opens a key ('{' then '"') is tried, and a bounded number of them, so a
  // line of '{'s costs little.
  constexpr int kMaxTries = 64;
  int tries = 0;
  for (std::size_t at = line.find('{', 1); at != std::string_view::npos && tries < kMaxTries;
       at = line.find('{', at + 1)) {
    auto key = line.find_first_not_of(" \t\r\n", at + 1);
    if (key == std::string_view::npos || line[key] != '"') continue;
    ++tries;
    auto tail = parse_hello(line.substr(at), clients_dir);
    if (tail) return tail;
  }
  return whole;
}

}  // namespace asup::control
