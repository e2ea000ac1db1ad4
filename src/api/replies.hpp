// Every reply of the control protocol as a typed value (docs/protocol.md, "Replies"): the
// progress and final messages each request gets, and the payload of each request's result.
// A reply line is the type's fields plus "type": T::kType.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.hpp"

namespace asup::api {

// --- messages any request may get ---

struct Hello {
  static constexpr std::string_view kType = "hello";
  int version = 0;
  ASUP_API_FIELDS(version)
};

// Final failure. `exit` is what the CLI exits with for run/exec (125 engine error, 126
// cannot invoke, 127 not found).
struct Error {
  static constexpr std::string_view kType = "error";
  int exit = 125;
  std::string message;
  std::optional<bool> no_such_image;  // run: the store lacks the image (the client pulls)
  ASUP_API_FIELDS(exit, message, no_such_image)
};

// Followed on the wire by exactly `len` raw bytes of container output.
struct Output {
  static constexpr std::string_view kType = "output";
  std::string stream;     // stdout | stderr
  std::int64_t time = 0;  // Unix ns
  std::uint64_t len = 0;
  ASUP_API_FIELDS(stream, time, len)
};

struct Notice {
  static constexpr std::string_view kType = "notice";
  std::optional<std::uint64_t> dropped_bytes;  // the ring had dropped this much older output
  std::optional<std::uint64_t> skipped_bytes;  // live output skipped for a slow client
  // run, create, update: what the host cannot apply and was dropped, in Docker's words; the
  // client prints "WARNING: " and the text
  std::optional<std::string> warning;
  // logs --details: the attributes printed before each line ("" when none)
  std::optional<std::string> details;
  ASUP_API_FIELDS(dropped_bytes, skipped_bytes, warning, details)
};

struct Created {
  static constexpr std::string_view kType = "created";
  std::string id;
  ASUP_API_FIELDS(id)
};

struct Started {
  static constexpr std::string_view kType = "started";
  std::optional<std::string> exec;  // exec with a terminal: what input and resize name
  ASUP_API_FIELDS(exec)
};

// Final for an attached run and for exec.
struct Exit {
  static constexpr std::string_view kType = "exit";
  int exit_code = 0;
  std::optional<std::string> message;  // why the command could not run, or the start failed
  ASUP_API_FIELDS(exit_code, message)
};

// attach: the container it reached, and whether it has a terminal (the client then puts
// its own into raw mode).
struct Attached {
  static constexpr std::string_view kType = "attached";
  std::string id;
  bool tty = false;
  ASUP_API_FIELDS(id, tty)
};

// A pull's progress in words.
struct StatusLine {
  static constexpr std::string_view kType = "status";
  std::string status;
  ASUP_API_FIELDS(status)
};

// One layer of a pull.
struct Progress {
  static constexpr std::string_view kType = "progress";
  std::string id;      // short digest
  std::string status;  // Waiting | Downloading | Extracting | Pull complete | Already exists
  std::int64_t current = 0;
  std::int64_t total = 0;
  ASUP_API_FIELDS(id, status, current, total)
};

// --- the payloads of "result", by request ---

// version: asupd's side of `asupctl version`.
struct VersionResult {
  static constexpr std::string_view kType = "result";
  std::string version;  // asupd's release
  int api_version = 0;  // the control protocol's version
  std::string os;       // "linux"
  std::string arch;     // "amd64", as Docker names it
  std::string kernel_version;
  std::string cgroup_version;  // "1" or "2"
  std::string event_loop;      // "io_uring" or "epoll"
  ASUP_API_FIELDS(version, api_version, os, arch, kernel_version, cgroup_version, event_loop)
};

// A result without a payload: logs, save, network_connect, network_disconnect.
struct Done {
  static constexpr std::string_view kType = "result";
  ASUP_API_NO_FIELDS
};

// run -d (once the workload was exec'ed), import, network_create.
struct IdResult {
  static constexpr std::string_view kType = "result";
  std::string id;
  ASUP_API_FIELDS(id)
};

struct PublishedPort {
  std::string host_ip;
  int host_port = 0;
  int container_port = 0;
  std::string protocol;  // tcp | udp
  ASUP_API_FIELDS(host_ip, host_port, container_port, protocol)
};

// A container's mount as `ps` shows it: a volume by name, anything else by its source.
struct MountSummary {
  std::string name;    // a volume's name; "" for binds and tmpfs
  std::string source;  // the host path
  std::string driver;  // "local" for volumes
  ASUP_API_FIELDS(name, source, driver)
};

struct ContainerSummary {
  std::string id;
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::int64_t created = 0;  // Unix ns
  std::string state;         // created | running | paused | restarting | exited
  std::int64_t started = 0;
  std::int64_t finished = 0;
  int exit_code = 0;
  bool oom_killed = false;
  std::vector<PublishedPort> ports;
  std::vector<std::string> networks;  // names
  std::string health;                 // starting | healthy | unhealthy; "" without a check
  std::map<std::string, std::string> labels;
  std::vector<MountSummary> mounts;  // by destination
  ASUP_API_FIELDS(id, name, image, command, created, state, started, finished, exit_code,
                  oom_killed, ports, networks, health, labels, mounts)
};

struct PsResult {
  static constexpr std::string_view kType = "result";
  std::vector<ContainerSummary> containers;
  ASUP_API_FIELDS(containers)
};

// inspect, image_inspect, network_inspect: Docker-like objects, kept as JSON since their
// shape is Docker's, and one error per name that matched nothing.
struct InspectResult {
  static constexpr std::string_view kType = "result";
  std::vector<nlohmann::json> items;
  std::vector<std::string> errors;
  ASUP_API_FIELDS(items, errors)
};

struct PortResult {
  static constexpr std::string_view kType = "result";
  std::vector<PublishedPort> ports;
  ASUP_API_FIELDS(ports)
};

// One container, image or network of a request naming several.
struct Outcome {
  std::string name;
  std::optional<std::string> error;
  std::optional<int> exit_code;                   // wait
  std::optional<std::vector<std::string>> lines;  // rmi: "Untagged: ...", "Deleted: ..."

  static Outcome success(std::string name) {
    Outcome o;
    o.name = std::move(name);
    return o;
  }
  static Outcome failure(std::string name, std::string error) {
    Outcome o = success(std::move(name));
    o.error = std::move(error);
    return o;
  }
  ASUP_API_FIELDS(name, error, exit_code, lines)
};

// stop, kill, rm, wait, rmi, network_rm: every outcome, in the order named.
// diff: one change a path, sorted by path; kind as Docker's API numbers them: 0 modified,
// 1 added, 2 deleted.
struct FileChange {
  std::string path;
  int kind = 0;
  ASUP_API_FIELDS(path, kind)
};

struct DiffResult {
  static constexpr std::string_view kType = "result";
  std::vector<FileChange> changes;
  ASUP_API_FIELDS(changes)
};

// top: ps's column titles and, for each process of the container, its columns (the last,
// the command, with its blanks).
struct TopResult {
  static constexpr std::string_view kType = "result";
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;
  ASUP_API_FIELDS(titles, processes)
};

struct OutcomesResult {
  static constexpr std::string_view kType = "result";
  std::vector<Outcome> results;
  ASUP_API_FIELDS(results)
};

struct LoadResult {
  static constexpr std::string_view kType = "result";
  std::vector<std::string> loaded;  // references, or ids of untagged images
  ASUP_API_FIELDS(loaded)
};

struct ImageSummary {
  std::string id;
  std::vector<std::string> references;    // full form
  std::vector<std::string> repo_digests;  // full form
  std::int64_t created = 0;               // Unix s
  std::int64_t size = 0;
  int containers = 0;  // how many use the image
  ASUP_API_FIELDS(id, references, repo_digests, created, size, containers)
};

struct ImagesResult {
  static constexpr std::string_view kType = "result";
  std::vector<ImageSummary> images;
  ASUP_API_FIELDS(images)
};

struct PullResult {
  static constexpr std::string_view kType = "result";
  std::string reference;
  std::string digest;
  std::string id;
  bool downloaded = false;  // false: the store had it all already
  ASUP_API_FIELDS(reference, digest, id, downloaded)
};

struct LoginResult {
  static constexpr std::string_view kType = "result";
  std::string server;
  ASUP_API_FIELDS(server)
};

struct LogoutResult {
  static constexpr std::string_view kType = "result";
  std::string server;
  bool removed = false;
  ASUP_API_FIELDS(server, removed)
};

struct TagResult {
  static constexpr std::string_view kType = "result";
  std::string reference;  // the target, full form
  ASUP_API_FIELDS(reference)
};

struct ImagePruneResult {
  static constexpr std::string_view kType = "result";
  std::vector<std::string> lines;  // as for rmi
  std::int64_t reclaimed = 0;      // bytes
  ASUP_API_FIELDS(lines, reclaimed)
};

struct NetworkSummary {
  std::string id;
  std::string name;
  std::string driver;  // bridge | host | null
  std::string scope = "local";
  std::string subnet;
  std::string gateway;
  std::string bridge;
  bool internal = false;
  std::int64_t created = 0;  // Unix ns
  int containers = 0;        // how many are attached
  ASUP_API_FIELDS(id, name, driver, scope, subnet, gateway, bridge, internal, created, containers)
};

struct NetworkLsResult {
  static constexpr std::string_view kType = "result";
  std::vector<NetworkSummary> networks;
  ASUP_API_FIELDS(networks)
};

// ---- volumes ----------------------------------------------------------------------------

// One volume as `volume ls` lists it.
struct VolumeSummary {
  std::string name;
  std::string driver = "local";
  std::string mountpoint;
  std::string created_at;  // RFC 3339
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;
  std::string scope = "local";
  ASUP_API_FIELDS(name, driver, mountpoint, created_at, labels, options, scope)
};

struct VolumeLsResult {
  static constexpr std::string_view kType = "result";
  std::vector<VolumeSummary> volumes;  // by name
  ASUP_API_FIELDS(volumes)
};

// A reply line: the fields of T plus its "type".
template <class T>
nlohmann::json reply_line(const T& reply) {
  auto j = encode(reply);
  j["type"] = T::kType;
  return j;
}

}  // namespace asup::api
