// Loopback HTTP fixtures for the registry client's integration tests: a real docker-registry
// on 127.0.0.1, a Bearer token server whose JWTs that registry accepts, a front that
// redirects blob downloads to another host name, a proxy that cuts blob downloads short,
// and builders for the OCI image layouts and (hostile) layer tars that get pushed into them.
//
// Every fixture is RAII: its destructor kills and reaps its child processes, stops and joins
// its threads, closes its sockets and removes its temp dir, also when the test failed.
// Fixtures listen on 127.0.0.1 only; nothing here talks to any other address.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace asup::it {

// ---- HTTP plumbing ------------------------------------------------------------------------

using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of `name` (case-insensitive) in `headers`, "" when absent.
std::string header_value(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::string path;    // target up to '?'
  std::string query;   // after '?', "" when none
  Headers headers;     // in order, names as sent
  std::string body;    // de-chunked
  std::string header(std::string_view name) const { return header_value(headers, name); }
  bool has_header(std::string_view name) const;
  // The percent-decoded values of query parameter `name`, in order.
  std::vector<std::string> query_values(std::string_view name) const;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;  // de-chunked
  std::string header(std::string_view name) const { return header_value(headers, name); }
};

// One accepted (or outgoing) connection. Every wait gives up when the owning server stops or
// after `timeout_ms` without progress, so no fixture thread can hang a test's teardown.
class HttpStream {
 public:
  HttpStream(int fd, int stop_fd, int timeout_ms = 30000);  // takes ownership of fd
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  int fd() const { return fd_; }
  // False once the peer is gone, the server stops or the timeout passes.
  bool write(std::string_view data);
  // Appends what arrives; false at EOF, on error, on stop or after the timeout.
  bool read_some(std::string& into);
  // A complete response with Content-Length and Connection: close.
  bool respond(int status, const Headers& headers = {}, std::string_view body = {});
  // shutdown(SHUT_WR): the peer reads EOF after what was written.
  void close_write();

 private:
  bool wait_for(short events);
  int fd_;
  int stop_fd_;
  int timeout_ms_;
};

// A loopback HTTP/1.1 server: binds 127.0.0.1:0, accepts on its own thread and serves each
// connection on a thread of its own, one request per connection (answers say
// Connection: close). The destructor stops accepting, wakes every connection thread and
// joins them all. Handlers run on those threads: they must not use Catch macros.
class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpStream&)>;
  explicit HttpServer(Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Stops accepting, wakes every connection thread and joins them all; idempotent. Owners
  // whose handlers use other members call it first, so no handler outlives what it uses.
  void stop();

  std::uint16_t port() const;
  std::string host() const { return "127.0.0.1:" + std::to_string(port()); }
  std::string url() const { return "http://" + host(); }
  // The eventfd that tells this server's threads to stop (for outgoing HttpStreams).
  int stop_fd() const;
  // What went wrong on the server threads (unparsable requests, unreachable upstreams).
  std::string errors() const;
  void note_error(const std::string& message);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One blocking HTTP/1.1 exchange (Connection: close) with `host`, which must be
// "127.0.0.1:PORT" or "localhost:PORT". nullopt when the connection or the exchange failed.
std::optional<HttpResponse> http_fetch(const std::string& host, const std::string& method,
                                       const std::string& target, const Headers& headers = {},
                                       const std::string& body = "", int timeout_ms = 30000);

std::string base64_encode(std::string_view data);
std::string base64_decode(std::string_view text);  // "" for invalid input
// "sha256:" + lowercase hex of the SHA-256 of `data`.
std::string sha256_digest(std::string_view data);

struct Credentials {
  std::string user;
  std::string password;
  std::string joined() const { return user + ":" + password; }  // skopeo --creds, curl -u
  std::string authorization() const;                            // "Basic base64(u:p)"
};

// True for /v2/<name>/blobs/sha256:<64 hex> (the path of a blob GET or HEAD).
bool is_blob_path(std::string_view path);

// A directory under /tmp, removed with everything in it when the object goes.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "asup-it");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// ---- Registry -----------------------------------------------------------------------------

// Debian's real docker-registry (distribution 2.8) as a child process on 127.0.0.1:PORT, with
// filesystem storage in a temp dir, deletes enabled and its log in that dir.
class Registry {
 public:
  struct TokenAuth {
    std::string realm;             // the token server's URL, e.g. http://127.0.0.1:P/token
    std::string service;           // must match the tokens' aud
    std::string issuer;            // must match the tokens' iss
    std::string root_cert_bundle;  // PEM file holding the certificate(s) tokens chain up to
  };
  struct Options {
    std::optional<Credentials> basic_auth{};  // auth.htpasswd with this one user (bcrypt)
    std::optional<TokenAuth> token_auth{};    // auth.token
    // What push() passes to skopeo as --dest-creds; defaults to basic_auth. With token_auth,
    // a user of the TokenServer.
    std::optional<Credentials> push_credentials{};
  };

  Registry();
  explicit Registry(Options options);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1:PORT"
  std::string url() const { return "http://" + host_; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  const Options& options() const { return options_; }
  const std::string& dir() const { return dir_; }
  std::string storage_dir() const { return dir_ + "/storage"; }
  // The registry's on-disk file for a blob ("sha256:HEX"), so a test can corrupt it.
  std::string blob_data_path(const std::string& digest) const;
  std::string log_path() const { return dir_ + "/registry.log"; }
  std::string log_tail(std::size_t max_lines = 40) const;

  // skopeo copy --preserve-digests oci:LAYOUT_DIR:LAYOUT_TAG docker://HOST/REPO_AND_TAG with
  // --dest-creds when the registry wants them; fails the test with skopeo's stderr when the
  // copy fails. The registry then holds exactly the layout's blobs and manifests, so digests
  // a test computed with OciLayoutBuilder are the ones a client sees. Pass "--all" in
  // extra_args to push every manifest of an index.
  void push(const std::string& layout_dir, const std::string& layout_tag,
            const std::string& repo_and_tag, const std::vector<std::string>& extra_args = {});

 private:
  void start();
  void stop() noexcept;
  void teardown() noexcept;

  Options options_;
  std::string dir_;
  std::string host_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

// ---- TokenServer --------------------------------------------------------------------------

// A Bearer token endpoint as the distribution spec and Docker Hub have it:
//   GET /token?service=S&scope=repository:NAME:pull,push[&scope=...]  (Basic credentials
//   optional) -> {"token", "access_token", "expires_in", "issued_at"}
// plus the OAuth2 password grant (POST /token, form-encoded). Tokens are ES256 JWTs whose
// header carries the signing certificate as x5c; the certificate is self-signed at start-up
// and written to root_cert_path() for the registry's rootcertbundle.
//
// docker-registry accepts a token until 60 s past its exp (its clock-skew leeway): a short
// expires_in shows whether a client asks again, but for the registry itself to refuse a
// stale token a test needs make_token() with an expires_in below -60.
class TokenServer {
 public:
  struct Options {
    std::string service = "asup-test-registry";
    std::string issuer = "asup-test-token-issuer";
    std::map<std::string, std::string> users{};  // user -> password, checked on Basic credentials
    bool allow_anonymous = false;                // no Authorization header at all
    std::vector<std::string> anonymous_actions{"pull"};
    int expires_in = 300;  // seconds; a short one makes clients refresh
  };

  TokenServer();
  explicit TokenServer(Options options);
  ~TokenServer();
  TokenServer(const TokenServer&) = delete;
  TokenServer& operator=(const TokenServer&) = delete;

  std::string host() const;
  std::string realm() const { return "http://" + host() + "/token"; }
  const std::string& root_cert_path() const;
  const Options& options() const;
  // What Registry::Options::token_auth needs to trust this server's tokens.
  Registry::TokenAuth registry_auth() const;

  // Counters over every request to /token (granted or refused).
  int requests() const;
  int tokens_issued() const;
  std::string last_scope() const;          // the scope values of the last request, space-separated
  std::string last_authorization() const;  // its Authorization header, "" when none

  // A signed token as the endpoint would issue it, for tests that forge or expire tokens:
  // access is the JWT "access" claim, e.g. [{"type":"repository","name":"x","actions":["pull"]}].
  std::string make_token(const std::string& subject, const nlohmann::json& access,
                         int expires_in) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---- RedirectFront ------------------------------------------------------------------------

// A reverse proxy on 127.0.0.1:P1 in front of a Registry. It forwards every request (method,
// target, headers including Authorization and Host, body) to the registry, except the blob
// GETs the registry would answer with 200: those get 307 Location: http://localhost:P2/<same
// target>. (It asks the registry with a HEAD carrying the client's headers, so a client
// without valid credentials still gets the registry's 401 challenge first.) P2 is a second
// listener, reached under another host name, that serves those blobs by fetching them from
// the registry itself (with the registry's basic_auth credentials; from its storage dir when
// the registry uses token auth) and records the headers it received. A correct client never
// sends the registry's Authorization to P2.
class RedirectFront {
 public:
  explicit RedirectFront(const Registry& registry);
  ~RedirectFront();
  RedirectFront(const RedirectFront&) = delete;
  RedirectFront& operator=(const RedirectFront&) = delete;

  std::string host() const;       // "127.0.0.1:P1": what clients talk to
  std::string blob_host() const;  // "localhost:P2": where blob GETs are sent
  int redirects_served() const;
  int blob_requests() const;  // requests that reached P2
  int blob_requests_with_authorization() const;
  std::vector<Headers> blob_request_headers() const;  // of each request that reached P2

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---- FlakyProxy ---------------------------------------------------------------------------

// An HTTP proxy in front of `upstream` ("127.0.0.1:PORT") that forwards everything, except
// that the first `cut_first` blob GETs answered 200/206 with more than `bytes_before_cut`
// body bytes get the response headers and only the first bytes_before_cut body bytes before
// the connection is closed. Later requests pass through whole.
class FlakyProxy {
 public:
  struct Options {
    int cut_first = 1;
    std::size_t bytes_before_cut = 1024;
  };
  explicit FlakyProxy(std::string upstream);
  FlakyProxy(std::string upstream, Options options);
  ~FlakyProxy();
  FlakyProxy(const FlakyProxy&) = delete;
  FlakyProxy& operator=(const FlakyProxy&) = delete;

  std::string host() const;
  int blob_gets() const;        // every blob GET seen
  int cut_connections() const;  // the ones cut short

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---- OCI image layouts --------------------------------------------------------------------

enum class Compression { none, gzip, zstd };
// gzip (no timestamp, reproducible) or zstd, via libarchive's write filters.
std::string compress(const std::string& data, Compression compression);
// application/vnd.oci.image.layer.v1.tar[+gzip|+zstd]
std::string layer_media_type(Compression compression);

struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;  // "v8" for arm64, "" for none
  nlohmann::json to_json() const;
};

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::int64_t size = 0;
  nlohmann::json platform;     // null when none
  nlohmann::json annotations;  // null when none
  nlohmann::json to_json() const;
};

struct Layer {
  Descriptor descriptor;
  std::string diff_id;  // sha256 of the uncompressed tar
};

// Writes an OCI image layout (oci-layout, blobs/sha256/*, index.json) that skopeo and umoci
// read. Build an image by adding layers and adjusting config(), then write_image(tag); or
// several with add_platform_manifest() and one write_index(tag) for a multi-platform index.
class OciLayoutBuilder {
 public:
  explicit OciLayoutBuilder(std::string dir);  // creates dir

  const std::string& dir() const { return dir_; }
  std::string blob_path(const std::string& digest) const;
  Descriptor add_blob(const std::string& bytes, const std::string& media_type);
  // A layer of the image under construction: compresses `tar`, writes the blob, records the
  // diff id.
  Layer add_layer(const std::string& tar, Compression compression = Compression::gzip);
  // The image config under construction: architecture, os, config.Cmd/Env/..., anything;
  // rootfs.diff_ids is filled in from the layers when the manifest is written.
  nlohmann::json& config() { return config_; }
  void set_platform(const Platform& platform);
  // Writes the config and manifest of the image under construction and returns the
  // manifest's descriptor (with its platform); the next image starts empty.
  Descriptor write_manifest();
  // Lists `manifest` in index.json under org.opencontainers.image.ref.name = tag.
  void tag(Descriptor manifest, const std::string& tag);
  Descriptor write_image(const std::string& tag);  // write_manifest() + tag()

  // The image under construction, for `platform`, as one entry of the next write_index().
  Descriptor add_platform_manifest(const Platform& platform);
  // A BuildKit-style attestation for `subject`: an in-toto layer, platform unknown/unknown,
  // vnd.docker.reference.{type,digest} annotations; one entry of the next write_index().
  Descriptor add_attestation_manifest(const Descriptor& subject);
  // Writes the image index of the entries added since the last write_index() and tags it.
  Descriptor write_index(const std::string& tag);

 private:
  void reset_image();
  void write_index_json();

  std::string dir_;
  nlohmann::json config_;
  std::vector<Layer> layers_;
  std::vector<Descriptor> pending_index_;
  std::vector<Descriptor> tagged_;
};

// ---- TarBuilder ---------------------------------------------------------------------------

// Mode, owner and time of a TarBuilder entry.
struct TarAttrs {
  unsigned mode = 0;  // permission bits; 0 means the kind's default (0644 / 0755 / 0777)
  unsigned uid = 0;
  unsigned gid = 0;
  std::int64_t mtime = 1700000000;
};

// Tar archives in memory with arbitrary entries, hostile ones included: names are written as
// given ("../escape", "/abs", "link/through", "a/../../b"), nothing is sanitized or checked,
// except that tar writes a directory's name with a trailing '/'. pax format: plain ustar
// headers unless a name or value needs an extension record (names over 100 bytes).
class TarBuilder {
 public:
  using Attrs = TarAttrs;

  TarBuilder& file(const std::string& name, const std::string& data, Attrs attrs = {});
  TarBuilder& directory(const std::string& name, Attrs attrs = {});
  TarBuilder& symlink(const std::string& name, const std::string& target, Attrs attrs = {});
  TarBuilder& hardlink(const std::string& name, const std::string& target, Attrs attrs = {});
  TarBuilder& char_device(const std::string& name, unsigned major, unsigned minor,
                          Attrs attrs = {});
  TarBuilder& block_device(const std::string& name, unsigned major, unsigned minor,
                           Attrs attrs = {});
  TarBuilder& fifo(const std::string& name, Attrs attrs = {});

  // The finished archive, end-of-archive blocks included.
  std::string bytes() const;

 private:
  struct Entry {
    std::string name;
    unsigned type = 0;  // AE_IF* (S_IF*)
    std::string data;
    std::string link_target;
    bool hard_link = false;
    unsigned rdev_major = 0, rdev_minor = 0;
    Attrs attrs;
  };
  Entry& add(const std::string& name, unsigned type, Attrs attrs, unsigned default_mode);
  TarBuilder& device(const std::string& name, unsigned type, unsigned major, unsigned minor,
                     Attrs attrs, unsigned default_mode);
  std::vector<Entry> entries_;
};

}  // namespace asup::it
