// Internals shared by the http_fixtures*.cpp files: loopback sockets, HTTP/1.1 message
// helpers and the relay the proxies are built on. Tests include http_fixtures.hpp instead.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_fixtures.hpp"

namespace asup::it::wire {

bool iequals(std::string_view a, std::string_view b);
std::string to_hex(std::string_view bytes);  // lowercase
std::string lower(std::string s);
// Both fail the test when they cannot do it.
void write_file(const std::string& path, const std::string& data);
std::string make_temp_dir(const std::string& prefix);  // /tmp/PREFIX.XXXXXX
// The percent-decoded values of `name` in a query string or a form-encoded body.
std::vector<std::string> form_values(std::string_view form, std::string_view name);
std::string first_form_value(std::string_view form, std::string_view name);

// "127.0.0.1:PORT" or "localhost:PORT" -> PORT; 0 for anything else (fixtures stay on
// loopback).
std::uint16_t loopback_port(const std::string& host);
int connect_loopback(std::uint16_t port);  // -1 when refused
// A listening socket on 127.0.0.1 with a port the kernel picked.
int listen_loopback(std::uint16_t& port);
// A port that was free a moment ago, for a child process to bind. Another process may take
// it in between; Registry retries start-up on "address already in use".
std::uint16_t free_port();

// A request sent to 127.0.0.1:PORT and the head of its response.
struct Upstream {
  std::unique_ptr<HttpStream> stream;
  int status = 0;
  std::string head;  // status line and header lines, each with its CRLF, no blank line
  Headers headers;
  std::string rest;  // body bytes that arrived with the head
};
// nullopt when the connection or the exchange failed. Waits end on stop_fd (or -1 for none).
std::optional<Upstream> send_upstream(std::uint16_t port, const std::string& request, int stop_fd,
                                      int timeout_ms = 30000);

// The request as a proxy sends it upstream: same method, target and end-to-end headers (Host
// and Authorization included), the body with a Content-Length, Connection: close.
std::string forwarded_request(const HttpRequest& req);

// What a relay does with a response once its head is known: nullopt passes the whole body
// through; a number forwards that many body bytes and then closes the connection.
using CutPolicy = std::function<std::optional<std::size_t>(int status, const Headers& headers)>;
struct RelayOutcome {
  bool ok = false;
  int status = 0;
  bool cut = false;
};
// Sends `request` to 127.0.0.1:upstream_port and copies the response to `client` byte for
// byte (the upstream closes after it, as the request said Connection: close).
RelayOutcome relay(HttpStream& client, int stop_fd, std::uint16_t upstream_port,
                   const std::string& request, const CutPolicy& cut_policy = {});

// A registry-style error: {"errors":[{"code":..., "message":...}]}.
void respond_error(HttpStream& s, int status, const std::string& code, const std::string& message,
                   Headers extra = {});

}  // namespace asup::it::wire
