// dns_query [--tcp] SERVER NAME: for the DNS tests, which need a query over TCP from inside
// a busybox container (nslookup cannot force TCP). Asks SERVER:53 for NAME's A records and
// prints each address as a line; exits 0 on NOERROR, else prints "rcode N" and exits 1.
// Linked statically: it is bind-mounted into images that have no libc.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::vector<unsigned char> query_for(const std::string& name) {
  std::vector<unsigned char> q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  std::size_t start = 0;
  while (start < name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<unsigned char>(dot - start));
    q.insert(q.end(), name.begin() + start, name.begin() + dot);
    start = dot + 1;
  }
  q.insert(q.end(), {0, 0, 1, 0, 1});
  return q;
}

bool read_all(int fd, unsigned char* buf, std::size_t n) {
  while (n > 0) {
    ssize_t got = ::read(fd, buf, n);
    if (got <= 0) return false;
    buf += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

// Skips a possibly compressed name at `at`.
std::size_t skip_name(const std::vector<unsigned char>& m, std::size_t at) {
  while (at < m.size()) {
    if ((m[at] & 0xc0) == 0xc0) return at + 2;
    if (m[at] == 0) return at + 1;
    at += m[at] + 1u;
  }
  return m.size();
}

}  // namespace

int main(int argc, char** argv) {
  bool tcp = argc == 4 && std::strcmp(argv[1], "--tcp") == 0;
  if (argc != 3 && !tcp) {
    std::fprintf(stderr, "usage: dns_query [--tcp] SERVER NAME\n");
    return 2;
  }
  const char* server = argv[tcp ? 2 : 1];
  auto q = query_for(argv[tcp ? 3 : 2]);
  int fd = ::socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(53);
  ::inet_pton(AF_INET, server, &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("dns_query: connect");
    return 1;
  }
  std::vector<unsigned char> reply(65535);
  std::size_t length = 0;
  if (tcp) {
    std::vector<unsigned char> framed = {static_cast<unsigned char>(q.size() >> 8),
                                         static_cast<unsigned char>(q.size() & 0xff)};
    framed.insert(framed.end(), q.begin(), q.end());
    unsigned char prefix[2];
    if (::write(fd, framed.data(), framed.size()) != static_cast<ssize_t>(framed.size()) ||
        !read_all(fd, prefix, 2)) {
      std::perror("dns_query: tcp");
      return 1;
    }
    length = static_cast<std::size_t>(prefix[0]) << 8 | prefix[1];
    if (!read_all(fd, reply.data(), length)) {
      std::perror("dns_query: tcp read");
      return 1;
    }
  } else {
    if (::send(fd, q.data(), q.size(), 0) < 0) return 1;
    ssize_t got = ::recv(fd, reply.data(), reply.size(), 0);
    if (got < 12) {
      std::perror("dns_query: udp");
      return 1;
    }
    length = static_cast<std::size_t>(got);
  }
  reply.resize(length);
  if (length < 12) return 1;
  int rcode = reply[3] & 0x0f;
  if (rcode != 0) {
    std::printf("rcode %d\n", rcode);
    return 1;
  }
  unsigned answers = reply[6] << 8 | reply[7];
  std::size_t at = skip_name(reply, 12) + 4;
  for (unsigned i = 0; i < answers && at < reply.size(); ++i) {
    at = skip_name(reply, at);
    if (at + 10 > reply.size()) break;
    unsigned type = reply[at] << 8 | reply[at + 1];
    unsigned rdlen = reply[at + 8] << 8 | reply[at + 9];
    at += 10;
    if (type == 1 && rdlen == 4 && at + 4 <= reply.size())
      std::printf("%u.%u.%u.%u\n", reply[at], reply[at + 1], reply[at + 2], reply[at + 3]);
    at += rdlen;
  }
  return 0;
}
