// A host resolver for the tests: UDP and TCP on one loopback port, served by a thread of
// its own. It answers every question with one A record (192.0.2.1), or keeps silent, and
// counts what it was asked.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "dns_client.hpp"

namespace asup::dns::testing {

inline constexpr std::uint32_t kUpstreamAnswer = 0xc0000201;  // 192.0.2.1

// The answer to `query`: its header and question with QR and one A record.
inline Bytes upstream_answer(const Bytes& query) {
  Bytes a = query;
  a[2] |= 0x80;
  a[3] = 0x80;  // RA
  a[6] = 0;
  a[7] = 1;
  a[10] = a[11] = 0;  // no additional records (drops a client's EDNS record, if any)
  std::size_t at = 12;
  read_reply_name(a, at);
  a.resize(at + 4);
  for (std::uint8_t b : {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1}) a.push_back(b);
  return a;
}

class FakeUpstream {
 public:
  explicit FakeUpstream(bool silent = false) : silent_(silent) {
    udp_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = loopback(0);
    ::bind(udp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t len = sizeof sa;
    ::getsockname(udp_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    tcp_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::bind(tcp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(tcp_, 16);
    stop_ = ::eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeUpstream() {
    std::uint64_t one = 1;
    (void)!::write(stop_, &one, sizeof one);
    thread_.join();
    ::close(udp_);
    ::close(tcp_);
    ::close(stop_);
  }

  std::uint16_t port() const { return port_; }
  int udp_queries() const { return udp_queries_; }
  int tcp_queries() const { return tcp_queries_; }
  // The id the last query arrived with (the forwarder gives its own).
  std::uint16_t last_id() const { return last_id_; }

 private:
  void serve() {
    while (true) {
      pollfd fds[3] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}, {stop_, POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0) continue;
      if (fds[2].revents) return;
      if (fds[0].revents) serve_datagram();
      if (fds[1].revents) serve_connection();
    }
  }

  void serve_datagram() {
    Bytes buf(65536);
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n =
        ::recvfrom(udp_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 12) return;
    buf.resize(static_cast<std::size_t>(n));
    ++udp_queries_;
    last_id_ = static_cast<std::uint16_t>(buf[0] << 8 | buf[1]);
    if (silent_) return;
    auto answer = upstream_answer(buf);
    ::sendto(udp_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }

  // One connection, one question: what the forwarder sends.
  void serve_connection() {
    int fd = ::accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::uint8_t length[2];
    if (wait_readable(fd, std::chrono::seconds(5)) && ::recv(fd, length, 2, MSG_WAITALL) == 2) {
      Bytes query(static_cast<std::size_t>(length[0] << 8 | length[1]));
      if (::recv(fd, query.data(), query.size(), MSG_WAITALL) ==
          static_cast<ssize_t>(query.size())) {
        ++tcp_queries_;
        last_id_ = static_cast<std::uint16_t>(query[0] << 8 | query[1]);
        if (!silent_) {
          auto answer = upstream_answer(query);
          Bytes frame;
          put16(frame, static_cast<std::uint16_t>(answer.size()));
          frame.insert(frame.end(), answer.begin(), answer.end());
          ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
        }
      }
    }
    ::close(fd);
  }

  bool silent_;
  int udp_ = -1;
  int tcp_ = -1;
  int stop_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> udp_queries_{0};
  std::atomic<int> tcp_queries_{0};
  std::atomic<std::uint16_t> last_id_{0};
  std::thread thread_;
};

}  // namespace asup::dns::testing
