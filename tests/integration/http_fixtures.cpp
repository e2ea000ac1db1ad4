#include "http_fixtures.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <sstream>
#include <thread>

#include "http_fixtures_wire.hpp"

namespace asup::it {
namespace wire {
namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    default:
      return "Status";
  }
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) FAIL("cannot write " << path);
}

std::string make_temp_dir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + ".XXXXXX";
  if (!::mkdtemp(pattern.data())) FAIL("mkdtemp " << pattern << ": " << std::strerror(errno));
  return pattern;
}

std::vector<std::string> form_values(std::string_view form, std::string_view name) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= form.size()) {
    std::size_t amp = form.find('&', pos);
    if (amp == std::string_view::npos) amp = form.size();
    std::string_view pair = form.substr(pos, amp - pos);
    std::size_t eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    if (!pair.empty() && key == name)
      out.push_back(eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1)));
    pos = amp + 1;
  }
  return out;
}

std::string first_form_value(std::string_view form, std::string_view name) {
  auto values = form_values(form, name);
  return values.empty() ? "" : values.front();
}

std::uint16_t loopback_port(const std::string& host) {
  for (std::string prefix : {"127.0.0.1:", "localhost:"}) {
    if (host.rfind(prefix, 0) == 0) {
      int port = std::atoi(host.c_str() + prefix.size());
      if (port > 0 && port < 65536) return static_cast<std::uint16_t>(port);
    }
  }
  return 0;
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int listen_loopback(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) FAIL("socket: " << std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(fd);
    FAIL("bind/listen on 127.0.0.1:0: " << std::strerror(err));
  }
  port = ntohs(addr.sin_port);
  return fd;
}

std::uint16_t free_port() {
  std::uint16_t port = 0;
  ::close(listen_loopback(port));
  return port;
}

namespace {

// Reads until the end of the header block; `buf` keeps what came after it.
bool read_head(HttpStream& s, std::string& buf, std::string& head) {
  for (;;) {
    auto end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      head = buf.substr(0, end + 2);
      buf.erase(0, end + 4);
      return true;
    }
    if (buf.size() > (1 << 20) || !s.read_some(buf)) return false;
  }
}

// Splits "first line\r\nName: value\r\n..." into the first line and the headers.
std::string parse_head(const std::string& head, Headers& headers) {
  std::istringstream in(head);
  std::string first, line;
  std::getline(in, first);
  if (!first.empty() && first.back() == '\r') first.pop_back();
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    headers.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
  return first;
}

bool fill(HttpStream& s, std::string& buf, std::size_t want) {
  while (buf.size() < want)
    if (!s.read_some(buf)) return false;
  return true;
}

bool read_chunked(HttpStream& s, std::string& buf, std::string& body) {
  for (;;) {
    std::size_t eol;
    while ((eol = buf.find("\r\n")) == std::string::npos)
      if (!s.read_some(buf)) return false;
    std::size_t size = std::strtoull(buf.substr(0, eol).c_str(), nullptr, 16);
    buf.erase(0, eol + 2);
    if (size == 0) {
      // Trailers, then the empty line.
      for (;;) {
        while ((eol = buf.find("\r\n")) == std::string::npos)
          if (!s.read_some(buf)) return false;
        buf.erase(0, eol + 2);
        if (eol == 0) return true;
      }
    }
    if (!fill(s, buf, size + 2)) return false;
    body.append(buf, 0, size);
    buf.erase(0, size + 2);
  }
}

// The message body after the head: chunked, Content-Length, or (responses only) up to EOF.
bool read_body(HttpStream& s, std::string& buf, const Headers& headers, bool until_eof,
               std::string& body) {
  if (lower(header_value(headers, "Transfer-Encoding")).find("chunked") != std::string::npos)
    return read_chunked(s, buf, body);
  std::string length = header_value(headers, "Content-Length");
  if (!length.empty()) {
    std::size_t n = std::strtoull(length.c_str(), nullptr, 10);
    if (!fill(s, buf, n)) return false;
    body = buf.substr(0, n);
    buf.erase(0, n);
    return true;
  }
  if (until_eof) {
    while (s.read_some(buf)) {
    }
    body = std::move(buf);
    buf.clear();
  }
  return true;
}

// nullopt and an error message for a malformed request; nullopt and "" when the client
// closed without sending anything (a probe, or a keep-alive connection given up).
std::optional<HttpRequest> read_request(HttpStream& s, std::string& error) {
  std::string buf, head;
  if (!s.read_some(buf)) return std::nullopt;
  // A TLS ClientHello: clients told not to verify TLS (skopeo --tls-verify=false, the Go
  // docker client) try https first and fall back to http only when that fails. Answer as Go's
  // server does, at once, or they wait out their 10 s handshake timeout.
  if (buf[0] == '\x16') {
    s.write("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
    return std::nullopt;
  }
  if (!read_head(s, buf, head)) {
    error = "incomplete request head: " + buf.substr(0, 200);
    return std::nullopt;
  }
  HttpRequest req;
  std::istringstream first(parse_head(head, req.headers));
  std::string version;
  first >> req.method >> req.target >> version;
  if (req.method.empty() || req.target.empty() || version.rfind("HTTP/1.", 0) != 0) {
    error = "malformed request line: " + head.substr(0, head.find('\r'));
    return std::nullopt;
  }
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  if (iequals(req.header("Expect"), "100-continue")) s.write("HTTP/1.1 100 Continue\r\n\r\n");
  if (!read_body(s, buf, req.headers, false, req.body)) {
    error = req.method + " " + req.target + ": request body cut short";
    return std::nullopt;
  }
  return req;
}

// Hop-by-hop headers a proxy must not pass on, and the framing it redoes itself.
bool is_hop_header(const std::string& name) {
  for (const char* h : {"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "TE",
                        "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Expect"})
    if (iequals(name, h)) return true;
  return false;
}

}  // namespace

std::optional<Upstream> send_upstream(std::uint16_t port, const std::string& request, int stop_fd,
                                      int timeout_ms) {
  int fd = connect_loopback(port);
  if (fd < 0) return std::nullopt;
  Upstream u;
  u.stream = std::make_unique<HttpStream>(fd, stop_fd, timeout_ms);
  if (!u.stream->write(request) || !read_head(*u.stream, u.rest, u.head)) return std::nullopt;
  std::string version;
  std::istringstream(parse_head(u.head, u.headers)) >> version >> u.status;
  return u;
}

std::string forwarded_request(const HttpRequest& req) {
  std::string out = req.method + " " + req.target + " HTTP/1.1\r\n";
  for (auto& [name, value] : req.headers)
    if (!is_hop_header(name)) out += name + ": " + value + "\r\n";
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH")
    out += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  return out + req.body;
}

RelayOutcome relay(HttpStream& client, int stop_fd, std::uint16_t upstream_port,
                   const std::string& request, const CutPolicy& cut_policy) {
  RelayOutcome outcome;
  auto upstream = send_upstream(upstream_port, request, stop_fd);
  if (!upstream) return outcome;
  outcome.status = upstream->status;
  std::optional<std::size_t> limit;
  if (cut_policy) limit = cut_policy(upstream->status, upstream->headers);
  if (!client.write(upstream->head + "\r\n")) return outcome;
  std::string buf = std::move(upstream->rest);
  std::size_t sent = 0;
  for (;;) {
    if (!buf.empty()) {
      std::size_t n = limit ? std::min(buf.size(), *limit - sent) : buf.size();
      if (!client.write(std::string_view(buf).substr(0, n))) return outcome;
      sent += n;
      buf.clear();
      if (limit && sent >= *limit) {
        outcome.cut = true;
        break;
      }
    }
    if (!upstream->stream->read_some(buf)) break;
  }
  outcome.ok = true;
  return outcome;
}

void respond_error(HttpStream& s, int status, const std::string& code, const std::string& message,
                   Headers extra) {
  nlohmann::json body = {{"errors", {{{"code", code}, {"message", message}}}}};
  extra.emplace_back("Content-Type", "application/json");
  s.respond(status, extra, body.dump());
}

}  // namespace wire

using namespace wire;

// ---- HTTP plumbing ------------------------------------------------------------------------

std::string header_value(const Headers& headers, std::string_view name) {
  for (auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return "";
}

bool HttpRequest::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return iequals(h.first, name); });
}

std::vector<std::string> HttpRequest::query_values(std::string_view name) const {
  return form_values(query, name);
}

HttpStream::HttpStream(int fd, int stop_fd, int timeout_ms)
    : fd_(fd), stop_fd_(stop_fd), timeout_ms_(timeout_ms) {}

HttpStream::~HttpStream() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpStream::wait_for(short events) {
  pollfd fds[2] = {{fd_, events, 0}, {stop_fd_, POLLIN, 0}};
  int n;
  do {
    n = ::poll(fds, stop_fd_ >= 0 ? 2 : 1, timeout_ms_);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  if (stop_fd_ >= 0 && (fds[1].revents & POLLIN)) return false;
  return fds[0].revents != 0;
}

bool HttpStream::write(std::string_view data) {
  while (!data.empty()) {
    if (!wait_for(POLLOUT)) return false;
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool HttpStream::read_some(std::string& into) {
  char buf[65536];
  for (;;) {
    if (!wait_for(POLLIN)) return false;
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }
}

bool HttpStream::respond(int status, const Headers& headers, std::string_view body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  for (auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return write(out) && write(body);
}

void HttpStream::close_write() {
  ::shutdown(fd_, SHUT_WR);
}

struct HttpServer::State {
  Handler handler;
  int listen_fd = -1;
  int stop_fd = -1;
  std::uint16_t port = 0;
  std::thread acceptor;
  struct Connection {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex mutex;
  std::list<Connection> connections;
  std::string errors;

  void accept_loop() {
    for (;;) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
      if (fds[1].revents & POLLIN) return;
      if (!(fds[0].revents & POLLIN)) continue;
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mutex);
      // Join the connections that finished, so a long test does not pile up threads.
      connections.remove_if([](Connection& c) {
        if (!c.done) return false;
        c.thread.join();
        return true;
      });
      auto& c = connections.emplace_back();
      c.thread = std::thread([this, fd, &c] {
        serve(fd);
        c.done = true;
      });
    }
  }

  void serve(int fd) {
    HttpStream stream(fd, stop_fd);
    std::string error;
    try {
      auto req = read_request(stream, error);
      if (req) handler(*req, stream);
    } catch (const std::exception& e) {
      error = std::string("handler threw: ") + e.what();
    }
    if (!error.empty()) {
      std::lock_guard lock(mutex);
      errors += error + "\n";
    }
    // Closing a socket with unread input sends RST, which can destroy the tail of the
    // response in the peer's receive queue: send FIN first and let the peer close.
    stream.close_write();
    char ignored[4096];
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    for (int i = 0; i < 256 && ::poll(fds, 2, 200) > 0 && !(fds[1].revents & POLLIN); ++i)
      if (::recv(fd, ignored, sizeof ignored, MSG_DONTWAIT) <= 0) break;
  }
};

HttpServer::HttpServer(Handler handler) : state_(std::make_unique<State>()) {
  state_->handler = std::move(handler);
  state_->listen_fd = listen_loopback(state_->port);
  state_->stop_fd = ::eventfd(0, EFD_CLOEXEC);
  if (state_->stop_fd < 0) {
    ::close(state_->listen_fd);
    FAIL("eventfd: " << std::strerror(errno));
  }
  state_->acceptor = std::thread([s = state_.get()] { s->accept_loop(); });
}

HttpServer::~HttpServer() {
  stop();
  ::close(state_->listen_fd);
  ::close(state_->stop_fd);
}

void HttpServer::stop() {
  if (!state_->acceptor.joinable()) return;
  std::uint64_t one = 1;
  (void)!::write(state_->stop_fd, &one, sizeof one);
  state_->acceptor.join();
  // No new connection can appear now; each thread sees the stop fd and returns.
  for (auto& c : state_->connections) c.thread.join();
  state_->connections.clear();
}

std::uint16_t HttpServer::port() const {
  return state_->port;
}

int HttpServer::stop_fd() const {
  return state_->stop_fd;
}

std::string HttpServer::errors() const {
  std::lock_guard lock(state_->mutex);
  return state_->errors;
}

void HttpServer::note_error(const std::string& message) {
  std::lock_guard lock(state_->mutex);
  state_->errors += message + "\n";
}

std::optional<HttpResponse> http_fetch(const std::string& host, const std::string& method,
                                       const std::string& target, const Headers& headers,
                                       const std::string& body, int timeout_ms) {
  std::uint16_t port = loopback_port(host);
  if (port == 0) return std::nullopt;
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (auto& [name, value] : headers) req += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  auto u = send_upstream(port, req + "Connection: close\r\n\r\n" + body, -1, timeout_ms);
  if (!u) return std::nullopt;
  HttpResponse r;
  r.status = u->status;
  r.headers = u->headers;
  bool no_body = method == "HEAD" || r.status == 204 || r.status == 304;
  if (!no_body && !read_body(*u->stream, u->rest, r.headers, true, r.body)) return std::nullopt;
  return r;
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string base64_decode(std::string_view text) {
  std::string in(text);
  while (in.size() % 4 != 0) in += '=';  // tolerate unpadded input
  std::string out(3 * in.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return "";
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t pad = 0;
  for (auto it = in.rbegin(); it != in.rend() && *it == '=' && pad < 2; ++it) ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string sha256_digest(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return "sha256:" + to_hex(std::string_view(reinterpret_cast<char*>(md), len));
}

std::string Credentials::authorization() const {
  return "Basic " + base64_encode(joined());
}

bool is_blob_path(std::string_view path) {
  static const std::string_view marker = "/blobs/sha256:";
  if (path.rfind("/v2/", 0) != 0) return false;
  auto at = path.rfind(marker);
  if (at == std::string_view::npos || at <= 4) return false;
  auto hex = path.substr(at + marker.size());
  return is_hex_id(std::string(hex));
}

TempDir::TempDir(const std::string& prefix) : path_(make_temp_dir(prefix)) {}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace asup::it
