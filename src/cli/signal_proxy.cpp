#include "cli/signal_proxy.hpp"

#include <signal.h>
#include <unistd.h>

#include "api/requests.hpp"

namespace asup::cli {
namespace {

// Each kill request is encoded in advance: a handler may only write().
constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
int g_request_fd = -1;
std::string g_kill_lines[NSIG];

void proxy_signal(int sig) {
  if (g_request_fd < 0 || sig <= 0 || sig >= NSIG) return;
  const std::string& line = g_kill_lines[sig];
  (void)!::write(g_request_fd, line.data(), line.size());
}

}  // namespace

void forward_signals(const std::string& id, int request_fd) {
  for (int sig : kForwardedSignals) {
    api::KillRequest kill;
    kill.ids = {id};
    kill.signal = std::to_string(sig);
    g_kill_lines[sig] = api::request_line(kill).dump() + "\n";
  }
  g_request_fd = request_fd;
  struct sigaction sa {};
  sa.sa_handler = proxy_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : kForwardedSignals) ::sigaction(sig, &sa, nullptr);
}

}  // namespace asup::cli
