// HTTP over libcurl's multi interface, driven by the daemon's event loop: curl tells us
// which sockets to watch and when its timer fires (CURLMOPT_SOCKETFUNCTION and
// CURLMOPT_TIMERFUNCTION), Asio waits on them, and no thread ever blocks on the network.
// Every call and every callback happens on the loop thread.
#pragma once

#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::registry {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  bool verify_tls = true;
  // Bodies of 2xx responses go here when set, chunk by chunk; returning false leaves the
  // chunk untaken and pauses the transfer until Transfer::resume(). Otherwise bodies are
  // kept in the response, up to max_body bytes.
  std::function<bool(std::string_view)> on_body;
  std::size_t max_body = 4 << 20;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // of the final response; lowercase names
  std::string body;  // buffered body, or the start of a non-2xx body when streaming
  std::string url;   // after redirects
  std::string header(const std::string& lowercase_name) const;
};

class HttpClient;

// One request in flight. Errors are transport failures (no response); any HTTP status is
// a response.
class Transfer : public std::enable_shared_from_this<Transfer> {
 public:
  using Done = std::function<void(Result<HttpResponse>)>;
  ~Transfer();
  // Continues after on_body refused a chunk.
  void resume();
  // Stops the transfer; `done` then reports `reason` (from a later loop turn).
  void cancel(const std::string& reason);

 private:
  friend class HttpClient;
  Transfer(HttpClient& client, HttpRequest request, Done done);
  static size_t on_header(char* data, size_t size, size_t count, void* self);
  static size_t on_write(char* data, size_t size, size_t count, void* self);

  HttpClient* client_;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  HttpRequest request_;
  Done done_;
  HttpResponse response_;
  std::string write_error_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  bool paused_ = false;
  bool finished_ = false;
};

class HttpClient {
 public:
  explicit HttpClient(boost::asio::io_context& io);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  std::shared_ptr<Transfer> start(HttpRequest request, Transfer::Done done);
  boost::asio::io_context& io() { return io_; }

 private:
  friend class Transfer;
  struct Socket {
    explicit Socket(boost::asio::io_context& io, int fd) : desc(io, fd), fd(fd) {}
    boost::asio::posix::stream_descriptor desc;
    int fd;
    int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false, writing = false;
    bool alive = true;
  };

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void arm(const std::shared_ptr<Socket>& socket);
  void forget(int fd);
  void act(int fd, int events);
  void collect_finished();
  void finish(Transfer& transfer, Result<HttpResponse> result);

  boost::asio::io_context& io_;
  CURLM* multi_;
  boost::asio::steady_timer timer_;
  std::map<int, std::shared_ptr<Socket>> sockets_;
  std::map<CURL*, std::shared_ptr<Transfer>> active_;
};

}  // namespace asup::registry
