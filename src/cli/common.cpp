#include "cli/common.hpp"

#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace asup::cli {

Result<control::Client> connect(Cli& cli) {
  return control::Client::connect(cli.run_root);
}

int unknown_flag(const std::string& command, const std::string& argument) {
  if (argument.rfind("--", 0) == 0)
    std::fprintf(stderr, "unknown flag: %s\n", argument.substr(0, argument.find('=')).c_str());
  else
    std::fprintf(stderr, "unknown shorthand flag: '%c' in %s\n",
                 argument.size() > 1 ? argument[1] : '-', argument.c_str());
  std::fprintf(stderr, "See 'asupctl %s --help'.\n", command.c_str());
  return 125;
}

int report_error(const std::string& message, int code) {
  std::fprintf(stderr, "asupctl: %s\n", message.c_str());
  return code;
}

void add_env_entry(std::vector<std::string>& out, const std::string& entry) {
  if (entry.find('=') != std::string::npos) {
    out.push_back(entry);
    return;
  }
  if (const char* v = std::getenv(entry.c_str())) out.push_back(entry + "=" + v);
}

int finish_exit(const api::Exit& exit) {
  if (exit.message) std::fprintf(stderr, "asupctl: %s\n", exit.message->c_str());
  return exit.exit_code;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EPIPE: our reader went away; nothing more to do with this output
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::int64_t now_seconds() {
  return static_cast<std::int64_t>(::time(nullptr));
}

std::string go_time_text(std::int64_t seconds) {
  time_t t = static_cast<time_t>(seconds);
  struct tm tm;
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
  return buf;
}

std::string human_duration(std::int64_t s) {
  if (s < 1) return "Less than a second";
  if (s == 1) return "1 second";
  if (s < 60) return std::to_string(s) + " seconds";
  std::int64_t m = s / 60;
  if (m == 1) return "About a minute";
  if (m < 60) return std::to_string(m) + " minutes";
  std::int64_t h = (s + 1800) / 3600;
  if (h == 1) return "About an hour";
  if (h < 48) return std::to_string(h) + " hours";
  if (h < 24 * 14) return std::to_string(h / 24) + " days";
  if (h < 24 * 60) return std::to_string(h / 24 / 7) + " weeks";
  if (h < 24 * 365 * 2) return std::to_string(h / 24 / 30) + " months";
  return std::to_string(h / 24 / 365) + " years";
}

std::string human_size(std::int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.3g%s", v, units[u]);
  return buf;
}

std::string truncate(const std::string& s, std::size_t width) {
  if (s.size() <= width) return s;
  return s.substr(0, width - 1) + "…";
}

std::string trim(const std::string& s, std::string_view blanks) {
  auto first = s.find_first_not_of(blanks);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

std::string host_and_port(const std::string& ip, int port) {
  std::string host = ip.find(':') == std::string::npos ? ip : "[" + ip + "]";
  return host + ":" + std::to_string(port);
}

int print_results(
    const api::OutcomesResult& reply,
    const std::function<std::vector<std::string>(const api::Outcome&)>& success_lines) {
  int code = 0;
  for (auto& item : reply.results) {
    if (item.error) {
      std::fflush(stdout);  // the lines in the order of the containers, on one terminal too
      std::fprintf(stderr, "Error response from daemon: %s\n", item.error->c_str());
      code = 1;
      continue;
    }
    for (auto& line : success_lines ? success_lines(item) : std::vector{item.name})
      std::printf("%s\n", line.c_str());
  }
  std::fflush(stdout);
  return code;
}

// Docker's prompt: only "y" or "yes" (any case) goes ahead; no answer at all is a no.
bool confirm(const char* warning) {
  std::printf("%s\nAre you sure you want to continue? [y/N] ", warning);
  std::fflush(stdout);
  char line[64] = {};
  bool answered = std::fgets(line, sizeof line, stdin) != nullptr;
  // A terminal echoed the answer and its newline; input from elsewhere did not.
  if (!::isatty(0)) std::printf("\n");
  if (!answered) return false;
  std::string answer;
  for (char* c = line; *c; ++c)
    if (!std::isspace(static_cast<unsigned char>(*c)))
      answer += static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
  return answer == "y" || answer == "yes";
}

}  // namespace asup::cli
