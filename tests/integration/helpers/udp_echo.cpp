// udp_echo PORT: for the network tests, which need a UDP server inside a busybox container
// (Debian's busybox nc has no -u). Binds 0.0.0.0:PORT, prints each datagram as a line and
// sends it back to its sender, so a test sees both directions of a published UDP port.
// Linked statically: it is bind-mounted into images that have no libc.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: udp_echo PORT\n");
    return 2;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<unsigned short>(std::atoi(argv[1])));
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("udp_echo: bind");
    return 1;
  }
  std::printf("listening on %s/udp\n", argv[1]);
  std::fflush(stdout);
  char buf[65536];
  for (;;) {
    sockaddr_in peer{};
    socklen_t peer_len = sizeof peer;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &peer_len);
    if (n < 0) {
      std::perror("udp_echo: recvfrom");
      return 1;
    }
    std::printf("received: %.*s\n", static_cast<int>(n), buf);
    std::fflush(stdout);
    ::sendto(fd, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&peer), peer_len);
  }
}
