#include "registry/http_client.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>

namespace asup::registry {
namespace {

constexpr std::size_t kErrorBodyLimit = 64 << 10;
constexpr long kReceiveBuffer = 256 << 10;

// curl_global_init is not thread-safe; the first HttpClient runs it once.
void init_curl_once() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string{} : it->second;
}

Transfer::Transfer(HttpClient& client, HttpRequest request, Done done)
    : client_(&client), request_(std::move(request)), done_(std::move(done)) {}

Transfer::~Transfer() {
  if (easy_) curl_easy_cleanup(easy_);
  if (header_list_) curl_slist_free_all(header_list_);
}

size_t Transfer::on_header(char* data, size_t size, size_t count, void* self) {
  auto* t = static_cast<Transfer*>(self);
  std::string_view line{data, size * count};
  // Each response of a redirect chain starts with its status line: keep only the last.
  if (line.rfind("HTTP/", 0) == 0) {
    t->response_.headers.clear();
    t->response_.body.clear();
    auto space = line.find(' ');
    t->response_.status =
        space == std::string_view::npos
            ? 0
            : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos)
    t->response_.headers[lowercase(trim(line.substr(0, colon)))] =
        std::string(trim(line.substr(colon + 1)));
  return size * count;
}

size_t Transfer::on_write(char* data, size_t size, size_t count, void* self) {
  auto* t = static_cast<Transfer*>(self);
  std::size_t n = size * count;
  long status = t->response_.status;
  if (t->request_.on_body && status >= 200 && status < 300) {
    if (!t->request_.on_body({data, n})) {
      t->paused_ = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    return n;
  }
  std::size_t limit = t->request_.on_body ? kErrorBodyLimit : t->request_.max_body;
  if (t->response_.body.size() + n > limit) {
    if (t->request_.on_body) return n;  // only the start of an error body matters
    t->write_error_ = "response body larger than " + std::to_string(limit) + " bytes";
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  t->response_.body.append(data, n);
  return n;
}

void Transfer::resume() {
  if (finished_ || !paused_) return;
  paused_ = false;
  // May deliver the held chunk right away, which may pause again.
  curl_easy_pause(easy_, CURLPAUSE_CONT);
}

void Transfer::cancel(const std::string& reason) {
  if (finished_) return;
  // Never remove a handle from inside one of curl's callbacks: do it on a later turn.
  boost::asio::post(client_->io(), [self = shared_from_this(), reason] {
    if (self->finished_) return;
    self->client_->finish(*self, fail(ECANCELED, reason));
  });
}

HttpClient::HttpClient(boost::asio::io_context& io) : io_(io), timer_(io) {
  init_curl_once();
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &HttpClient::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &HttpClient::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

HttpClient::~HttpClient() {
  for (auto& [easy, transfer] : active_) {
    transfer->finished_ = true;
    curl_multi_remove_handle(multi_, easy);
  }
  active_.clear();
  for (auto& [fd, socket] : sockets_) {
    socket->alive = false;
    socket->desc.release();
  }
  sockets_.clear();
  curl_multi_cleanup(multi_);
}

std::shared_ptr<Transfer> HttpClient::start(HttpRequest request, Transfer::Done done) {
  std::shared_ptr<Transfer> t{new Transfer(*this, std::move(request), std::move(done))};
  CURL* e = curl_easy_init();
  t->easy_ = e;
  for (auto& h : t->request_.headers)
    t->header_list_ = curl_slist_append(t->header_list_, h.c_str());
  curl_easy_setopt(e, CURLOPT_URL, t->request_.url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list_);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buffer_);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Registries send blobs through redirects to storage hosts. libcurl (7.58+) drops a
  // custom Authorization header when a redirect leads to another host or port, and we
  // never set CURLOPT_UNRESTRICTED_AUTH: credentials stay with the registry.
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 8L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer fails after 60 s below 1 byte/s rather than hanging a pull forever.
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, kReceiveBuffer);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "asup/0.1");
  if (!t->request_.verify_tls) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  active_[e] = t;
  CURLMcode rc = curl_multi_add_handle(multi_, e);
  if (rc != CURLM_OK) {
    active_.erase(e);
    t->finished_ = true;
    auto done_fn = std::move(t->done_);
    std::string message = std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc);
    boost::asio::post(io_, [done_fn, message] { done_fn(fail(message)); });
  }
  return t;
}

int HttpClient::on_socket(CURL*, curl_socket_t fd, int what, void* self_ptr, void*) {
  auto* self = static_cast<HttpClient*>(self_ptr);
  if (what == CURL_POLL_REMOVE) {
    self->forget(fd);
    return 0;
  }
  auto& socket = self->sockets_[fd];
  if (!socket) socket = std::make_shared<Socket>(self->io_, fd);
  socket->wanted = what;
  self->arm(socket);
  return 0;
}

int HttpClient::on_timer(CURLM*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<HttpClient*>(self_ptr);
  self->timer_.cancel();
  if (timeout_ms < 0) return 0;
  self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  self->timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec) self->act(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

void HttpClient::arm(const std::shared_ptr<Socket>& s) {
  using boost::asio::posix::stream_descriptor;
  if ((s->wanted & CURL_POLL_IN) && !s->reading) {
    s->reading = true;
    s->desc.async_wait(stream_descriptor::wait_read,
                       [this, s](const boost::system::error_code& ec) {
                         s->reading = false;
                         if (ec || !s->alive) return;
                         act(s->fd, CURL_CSELECT_IN);
                         if (s->alive) arm(s);
                       });
  }
  if ((s->wanted & CURL_POLL_OUT) && !s->writing) {
    s->writing = true;
    s->desc.async_wait(stream_descriptor::wait_write,
                       [this, s](const boost::system::error_code& ec) {
                         s->writing = false;
                         if (ec || !s->alive) return;
                         act(s->fd, CURL_CSELECT_OUT);
                         if (s->alive) arm(s);
                       });
  }
}

void HttpClient::forget(int fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return;
  auto socket = it->second;
  sockets_.erase(it);
  socket->alive = false;
  // curl owns and closes the socket: cancel our waits and let go of the fd unclosed.
  socket->desc.release();
}

void HttpClient::act(int fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  collect_finished();
}

void HttpClient::collect_finished() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    auto it = active_.find(msg->easy_handle);
    if (it == active_.end()) continue;
    auto transfer = it->second;
    CURLcode code = msg->data.result;
    if (code == CURLE_OK) {
      char* url = nullptr;
      curl_easy_getinfo(transfer->easy_, CURLINFO_EFFECTIVE_URL, &url);
      if (url) transfer->response_.url = url;
      finish(*transfer, std::move(transfer->response_));
    } else {
      std::string detail = !transfer->write_error_.empty() ? transfer->write_error_
                           : transfer->error_buffer_[0]    ? transfer->error_buffer_
                                                           : curl_easy_strerror(code);
      finish(*transfer, fail("GET " + transfer->request_.url + ": " + detail));
    }
  }
}

void HttpClient::finish(Transfer& transfer, Result<HttpResponse> result) {
  transfer.finished_ = true;
  auto keep = active_[transfer.easy_];
  curl_multi_remove_handle(multi_, transfer.easy_);
  active_.erase(transfer.easy_);
  auto done = std::move(transfer.done_);
  if (done) done(std::move(result));
}

}  // namespace asup::registry
