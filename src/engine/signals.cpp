#include "engine/signals.hpp"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <utility>

namespace asup::engine {
namespace {

constexpr std::pair<const char*, int> kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

Result<int> parse_number(const std::string& s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return fail(EINVAL, "");
  return v;
}

}  // namespace

Result<int> parse_signal(const std::string& text) {
  auto invalid = [&] { return fail(EINVAL, "invalid signal: " + text); };
  if (text.empty()) return invalid();
  std::string s = text;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    auto n = parse_number(s);
    if (!n || n.value() < 1 || n.value() > SIGRTMAX) return invalid();
    return n.value();
  }
  if (s.rfind("SIG", 0) == 0) s = s.substr(3);
  for (auto& [name, number] : kSignals)
    if (s == name) return number;
  for (auto [prefix, base, sign] : {std::tuple{"RTMIN", SIGRTMIN, 1}, {"RTMAX", SIGRTMAX, -1}}) {
    std::string p = prefix;
    if (s.rfind(p, 0) != 0) continue;
    std::string rest = s.substr(p.size());
    if (rest.empty()) return base;
    if (rest[0] != (sign > 0 ? '+' : '-')) return invalid();
    auto n = parse_number(rest.substr(1));
    if (!n) return invalid();
    int sig = base + sign * n.value();
    if (sig < SIGRTMIN || sig > SIGRTMAX) return invalid();
    return sig;
  }
  return invalid();
}

Result<std::optional<int>> parse_optional_signal(const std::string& text) {
  if (text.empty()) return std::optional<int>{};
  ASUP_TRY(auto sig, parse_signal(text));
  return std::optional<int>{sig};
}

}  // namespace asup::engine
