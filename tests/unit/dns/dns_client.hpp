// What a DNS client does, for the tests: build a query, read a reply (with its own small
// reader, so the server's codec is not checked against itself), and ask over UDP or TCP
// with a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace asup::dns::testing {

using Bytes = std::vector<std::uint8_t>;

inline void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

inline Bytes make_query(std::uint16_t id, std::string name, std::uint16_t type,
                        std::uint8_t opcode = 0) {
  Bytes q;
  put16(q, id);
  q.push_back(static_cast<std::uint8_t>(opcode << 3 | 0x01));  // RD
  q.push_back(0);
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  if (!name.empty() && name.back() == '.') name.pop_back();
  std::size_t start = 0;
  while (start < name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<std::uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
             name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  q.push_back(0);
  put16(q, type);
  put16(q, 1);
  return q;
}

struct ParsedReply {
  std::uint16_t id = 0;
  bool response = false;
  bool authoritative = false;
  bool truncated = false;
  int rcode = -1;
  std::string question;
  std::vector<std::uint32_t> addresses;
  std::vector<std::string> pointers;
  std::vector<std::uint32_t> ttls;
};

// Names in replies: labels, or one pointer to earlier labels (all the server writes).
inline std::string read_reply_name(const Bytes& m, std::size_t& at) {
  std::string name;
  std::size_t pos = at;
  bool jumped = false;
  for (int guard = 0; guard < 128 && pos < m.size(); ++guard) {
    std::uint8_t len = m[pos];
    if ((len & 0xc0) == 0xc0) {
      if (!jumped) at = pos + 2;
      jumped = true;
      pos = static_cast<std::size_t>((len & 0x3f) << 8 | m.at(pos + 1));
      continue;
    }
    if (len == 0) {
      if (!jumped) at = pos + 1;
      return name;
    }
    if (!name.empty()) name += '.';
    name.append(m.begin() + static_cast<std::ptrdiff_t>(pos + 1),
                m.begin() + static_cast<std::ptrdiff_t>(pos + 1 + len));
    pos += 1 + len;
  }
  throw std::runtime_error("bad name in reply");
}

inline std::uint32_t get32(const Bytes& m, std::size_t at) {
  return std::uint32_t{m.at(at)} << 24 | std::uint32_t{m.at(at + 1)} << 16 |
         std::uint32_t{m.at(at + 2)} << 8 | m.at(at + 3);
}

inline ParsedReply parse_reply(const Bytes& m) {
  ParsedReply r;
  if (m.size() < 12) throw std::runtime_error("reply shorter than a header");
  r.id = static_cast<std::uint16_t>(m[0] << 8 | m[1]);
  r.response = m[2] & 0x80;
  r.authoritative = m[2] & 0x04;
  r.truncated = m[2] & 0x02;
  r.rcode = m[3] & 0x0f;
  int questions = m[4] << 8 | m[5];
  int answers = m[6] << 8 | m[7];
  std::size_t at = 12;
  if (questions > 0) {
    r.question = read_reply_name(m, at);
    at += 4;
  }
  for (int i = 0; i < answers; ++i) {
    read_reply_name(m, at);
    int type = m.at(at) << 8 | m.at(at + 1);
    std::uint32_t ttl = get32(m, at + 4);
    std::size_t length = m.at(at + 8) << 8 | m.at(at + 9);
    at += 10;
    if (type == 1 && length == 4) r.addresses.push_back(get32(m, at));
    if (type == 12) {
      std::size_t p = at;
      r.pointers.push_back(read_reply_name(m, p));
    }
    r.ttls.push_back(ttl);
    at += length;
  }
  return r;
}

inline sockaddr_in loopback(std::uint16_t port, std::uint32_t address = INADDR_LOOPBACK) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(address);
  sa.sin_port = htons(port);
  return sa;
}

inline bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

// One question over UDP from a socket of its own; nothing if no reply came in `timeout`.
inline std::optional<Bytes> ask_udp(std::uint16_t port, const Bytes& query,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                    std::uint32_t address = INADDR_LOOPBACK) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa = loopback(port, address);
  ::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  std::optional<Bytes> reply;
  if (wait_readable(fd, timeout)) {
    Bytes buf(65536);
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n >= 0) reply = Bytes(buf.begin(), buf.begin() + n);
  }
  ::close(fd);
  return reply;
}

// A TCP connection to the server, sending and reading length-prefixed messages.
class TcpClient {
 public:
  explicit TcpClient(std::uint16_t port, std::uint32_t address = INADDR_LOOPBACK) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = loopback(port, address);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~TcpClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send(const Bytes& message) {
    Bytes frame;
    put16(frame, static_cast<std::uint16_t>(message.size()));
    frame.insert(frame.end(), message.begin(), message.end());
    ::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL);
  }
  void send_raw(const Bytes& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  // The next message, or nothing at EOF or after `timeout` without one.
  std::optional<Bytes> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::uint8_t length[2];
    if (!read_exactly(length, 2, timeout)) return std::nullopt;
    Bytes message(static_cast<std::size_t>(length[0] << 8 | length[1]));
    if (!read_exactly(message.data(), message.size(), timeout)) return std::nullopt;
    return message;
  }

  // True once the server closed the connection (EOF) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    std::uint8_t byte;
    if (!wait_readable(fd_, timeout)) return false;
    return ::recv(fd_, &byte, 1, 0) <= 0;
  }

 private:
  bool read_exactly(std::uint8_t* out, std::size_t n, std::chrono::milliseconds timeout) {
    std::size_t got = 0;
    while (got < n) {
      if (!wait_readable(fd_, timeout)) return false;
      ssize_t r = ::recv(fd_, out + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<std::size_t>(r);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace asup::dns::testing
