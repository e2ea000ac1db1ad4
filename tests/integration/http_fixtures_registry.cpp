#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "http_fixtures.hpp"
#include "http_fixtures_wire.hpp"

namespace asup::it {

using namespace wire;
namespace fs = std::filesystem;

namespace {
using Clock = std::chrono::steady_clock;

std::string tail_lines(const std::string& text, std::size_t max_lines) {
  auto all = lines(text);
  std::size_t from = all.size() > max_lines ? all.size() - max_lines : 0;
  std::string out;
  for (std::size_t i = from; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

}  // namespace

// ---- Registry -----------------------------------------------------------------------------

Registry::Registry() : Registry(Options{}) {}

Registry::Registry(Options options) : options_(std::move(options)) {
  if (!options_.push_credentials) options_.push_credentials = options_.basic_auth;
  try {
    start();
  } catch (...) {
    teardown();  // the destructor does not run for a constructor that throws
    throw;
  }
}

Registry::~Registry() {
  teardown();
}

void Registry::start() {
  if (options_.basic_auth && options_.token_auth)
    FAIL("Registry: basic_auth and token_auth exclude each other");
  dir_ = make_temp_dir("asup-registry");
  fs::create_directories(storage_dir());
  std::string auth;
  if (options_.basic_auth) {
    auto& c = *options_.basic_auth;
    auto r = run_tool({"/usr/bin/htpasswd", "-Bbn", c.user, c.password}, 30);
    INFO(r);
    REQUIRE(r.code == 0);
    write_file(dir_ + "/htpasswd", r.out);
    auth = "auth:\n  htpasswd:\n    realm: asup-test-registry\n    path: " + dir_ + "/htpasswd\n";
  } else if (options_.token_auth) {
    auto& t = *options_.token_auth;
    auth = "auth:\n  token:\n    realm: " + t.realm + "\n    service: " + t.service +
           "\n    issuer: " + t.issuer + "\n    rootcertbundle: " + t.root_cert_bundle + "\n";
  }
  // Another process can take the free port before the registry binds it: try a few.
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    host_ = "127.0.0.1:" + std::to_string(port_);
    write_file(dir_ + "/config.yml",
               "version: 0.1\n"
               "log:\n  level: info\n  formatter: text\n"
               "storage:\n  filesystem:\n    rootdirectory: " +
                   storage_dir() +
                   "\n  delete:\n    enabled: true\n"
                   "  maintenance:\n    uploadpurging:\n      enabled: false\n"
                   "http:\n  addr: " +
                   host_ + "\n  secret: asup-test-secret\n" + auth);
    // harness's Process spawns it (posix_spawn, default signal dispositions) and kills and
    // reaps it by pid; the shell only sets up the log and execs, so the pid is the registry's.
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 "exec /usr/bin/docker-registry serve '" + dir_ +
                                     "/config.yml' >>'" + log_path() + "' 2>&1 </dev/null"});
    auto deadline = Clock::now() + std::chrono::seconds(20);
    for (;;) {
      auto r = http_fetch(host_, "GET", "/v2/", {}, "", 2000);
      if (r && (r->status == 200 || r->status == 401)) return;
      process_->pump(0);
      if (process_->exited()) break;
      if (Clock::now() >= deadline) {
        stop();
        FAIL("docker-registry did not answer GET /v2/ on " << host_ << " within 20 s\n"
                                                           << log_tail());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    process_.reset();
    if (attempt < 3 && contains(log_tail(), "address already in use")) continue;
    FAIL("docker-registry exited during start-up\n" << log_tail(200));
  }
}

void Registry::stop() noexcept {
  process_.reset();  // SIGKILL and reap
}

void Registry::teardown() noexcept {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string Registry::blob_data_path(const std::string& digest) const {
  std::string hex = digest.rfind("sha256:", 0) == 0 ? digest.substr(7) : digest;
  return storage_dir() + "/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex +
         "/data";
}

std::string Registry::log_tail(std::size_t max_lines) const {
  return tail_lines(read_text(log_path()), max_lines);
}

void Registry::push(const std::string& layout_dir, const std::string& layout_tag,
                    const std::string& repo_and_tag, const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv{"/usr/bin/skopeo", "--insecure-policy", "copy",
                                "--preserve-digests", "--dest-tls-verify=false"};
  if (options_.push_credentials) {
    argv.push_back("--dest-creds");
    argv.push_back(options_.push_credentials->joined());
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv.push_back("oci:" + layout_dir + ":" + layout_tag);
  argv.push_back("docker://" + host_ + "/" + repo_and_tag);
  auto r = run_tool(argv, 120);
  if (r.code != 0)
    FAIL("push to the test registry failed\n" << r << "\nregistry log:\n" << log_tail());
}

// ---- RedirectFront ------------------------------------------------------------------------

struct RedirectFront::State {
  std::uint16_t registry_port = 0;
  std::optional<Credentials> registry_credentials;
  bool token_auth = false;
  std::string storage_dir;
  mutable std::mutex mutex;
  int redirects = 0;
  std::vector<Headers> blob_headers;
  std::unique_ptr<HttpServer> blobs;  // P2
  std::unique_ptr<HttpServer> front;  // P1

  void handle_front(const HttpRequest& req, HttpStream& s) {
    // Like a registry whose storage redirects: the registry itself checks the client's
    // credentials (a HEAD with the same headers), and only an allowed GET is redirected, so
    // clients go through the 401 challenge and token dance before they see the 307.
    if (req.method == "GET" && is_blob_path(req.path) && allowed_upstream(req)) {
      {
        std::lock_guard lock(mutex);
        ++redirects;
      }
      s.respond(307,
                {{"Location", "http://localhost:" + std::to_string(blobs->port()) + req.target},
                 {"Docker-Distribution-Api-Version", "registry/2.0"}});
      return;
    }
    if (!relay(s, front->stop_fd(), registry_port, forwarded_request(req)).ok)
      front->note_error(req.method + " " + req.target + ": relay to the registry failed");
  }

  bool allowed_upstream(const HttpRequest& req) {
    HttpRequest head = req;
    head.method = "HEAD";
    auto upstream = send_upstream(registry_port, forwarded_request(head), front->stop_fd());
    return upstream && upstream->status == 200;
  }

  void handle_blob(const HttpRequest& req, HttpStream& s) {
    {
      std::lock_guard lock(mutex);
      blob_headers.push_back(req.headers);
    }
    if ((req.method != "GET" && req.method != "HEAD") || !is_blob_path(req.path))
      return respond_error(s, 404, "NOT_FOUND", "this host serves blobs only");
    if (token_auth) return serve_from_storage(req, s);
    // Fetch it as a client of the registry would, with the registry's own credentials; the
    // client's headers (Authorization above all) stay here.
    std::string upstream = req.method + " " + req.target +
                           " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(registry_port) + "\r\n";
    if (registry_credentials)
      upstream += "Authorization: " + registry_credentials->authorization() + "\r\n";
    if (req.has_header("Range")) upstream += "Range: " + req.header("Range") + "\r\n";
    upstream += "Connection: close\r\n\r\n";
    if (!relay(s, blobs->stop_fd(), registry_port, upstream).ok)
      blobs->note_error(req.method + " " + req.target + ": fetch from the registry failed");
  }

  // A token-authenticated registry would want a token of our own, and asking the token
  // server for one would change the counters a test checks: read the blob from storage.
  void serve_from_storage(const HttpRequest& req, HttpStream& s) {
    std::string digest = req.path.substr(req.path.rfind('/') + 1);
    std::string hex = digest.substr(7);
    std::string path =
        storage_dir + "/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
      return respond_error(s, 404, "BLOB_UNKNOWN", "blob unknown to registry");
    std::string data = req.method == "HEAD" ? "" : read_text(path);
    Headers headers{{"Content-Type", "application/octet-stream"},
                    {"Docker-Content-Digest", digest}};
    if (req.method == "HEAD") {
      headers.emplace_back("Content-Length", std::to_string(st.st_size));
      std::string out = "HTTP/1.1 200 OK\r\n";
      for (auto& [n, v] : headers) out += n + ": " + v + "\r\n";
      s.write(out + "Connection: close\r\n\r\n");
      return;
    }
    s.respond(200, headers, data);
  }
};

RedirectFront::RedirectFront(const Registry& registry) : state_(std::make_unique<State>()) {
  state_->registry_port = registry.port();
  state_->registry_credentials = registry.options().basic_auth;
  state_->token_auth = registry.options().token_auth.has_value();
  state_->storage_dir = registry.storage_dir();
  auto* s = state_.get();
  state_->blobs = std::make_unique<HttpServer>(
      [s](const HttpRequest& req, HttpStream& stream) { s->handle_blob(req, stream); });
  state_->front = std::make_unique<HttpServer>(
      [s](const HttpRequest& req, HttpStream& stream) { s->handle_front(req, stream); });
}

RedirectFront::~RedirectFront() {
  // Front handlers use the blob server's port: the front goes first.
  state_->front->stop();
  state_->blobs->stop();
}

std::string RedirectFront::host() const {
  return state_->front->host();
}

std::string RedirectFront::blob_host() const {
  return "localhost:" + std::to_string(state_->blobs->port());
}

int RedirectFront::redirects_served() const {
  std::lock_guard lock(state_->mutex);
  return state_->redirects;
}

int RedirectFront::blob_requests() const {
  std::lock_guard lock(state_->mutex);
  return static_cast<int>(state_->blob_headers.size());
}

int RedirectFront::blob_requests_with_authorization() const {
  std::lock_guard lock(state_->mutex);
  return static_cast<int>(
      std::count_if(state_->blob_headers.begin(), state_->blob_headers.end(),
                    [](const Headers& h) { return !header_value(h, "Authorization").empty(); }));
}

std::vector<Headers> RedirectFront::blob_request_headers() const {
  std::lock_guard lock(state_->mutex);
  return state_->blob_headers;
}

// ---- FlakyProxy ---------------------------------------------------------------------------

struct FlakyProxy::State {
  std::uint16_t upstream_port = 0;
  Options options;
  mutable std::mutex mutex;
  int blob_gets = 0;
  int cuts = 0;
  std::unique_ptr<HttpServer> server;

  void handle(const HttpRequest& req, HttpStream& s) {
    bool blob_get = req.method == "GET" && is_blob_path(req.path);
    if (blob_get) {
      std::lock_guard lock(mutex);
      ++blob_gets;
    }
    CutPolicy policy = [&](int status, const Headers& headers) -> std::optional<std::size_t> {
      if (!blob_get || (status != 200 && status != 206)) return std::nullopt;
      std::size_t length =
          std::strtoull(header_value(headers, "Content-Length").c_str(), nullptr, 10);
      std::lock_guard lock(mutex);
      if (length <= options.bytes_before_cut || cuts >= options.cut_first) return std::nullopt;
      ++cuts;  // counted when decided, so concurrent downloads cannot both take the last cut
      return options.bytes_before_cut;
    };
    auto outcome = relay(s, server->stop_fd(), upstream_port, forwarded_request(req), policy);
    if (!outcome.ok) server->note_error(req.method + " " + req.target + ": relay failed");
  }
};

FlakyProxy::FlakyProxy(std::string upstream) : FlakyProxy(std::move(upstream), Options{}) {}

FlakyProxy::FlakyProxy(std::string upstream, Options options) : state_(std::make_unique<State>()) {
  state_->upstream_port = loopback_port(upstream);
  if (state_->upstream_port == 0) FAIL("FlakyProxy: upstream must be on loopback: " << upstream);
  state_->options = options;
  state_->server = std::make_unique<HttpServer>(
      [s = state_.get()](const HttpRequest& req, HttpStream& stream) { s->handle(req, stream); });
}

FlakyProxy::~FlakyProxy() {
  state_->server->stop();
}

std::string FlakyProxy::host() const {
  return state_->server->host();
}

int FlakyProxy::blob_gets() const {
  std::lock_guard lock(state_->mutex);
  return state_->blob_gets;
}

int FlakyProxy::cut_connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->cuts;
}

}  // namespace asup::it
