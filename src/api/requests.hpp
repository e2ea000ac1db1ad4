// Every request of the control protocol as a typed value (docs/protocol.md, "Requests"),
// with the type of its final success (Reply; an attached run ends with Exit instead).
// Front ends build these (asupctl) or decode them (asupd's FIFO sessions) and the engine
// takes them as they are: a field's name, type and default are stated here and nowhere else.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.hpp"
#include "api/replies.hpp"

namespace asup::api {

struct RunRequest {
  static constexpr std::string_view kOp = "run";
  using Reply = IdResult;
  std::string image;
  std::vector<std::string> cmd;
  std::optional<std::string> entrypoint;  // set: replaces the image's ("" clears it)
  std::vector<std::string> env;           // KEY=VALUE, resolved by the client
  std::optional<std::string> workdir;
  std::optional<std::string> user;
  std::optional<std::string> hostname;
  std::string name;
  std::vector<std::string> volumes;    // "HOST:CTR[:ro]"
  std::vector<std::string> tmpfs;      // "/path[:opts]"
  std::vector<std::string> devices;    // --device, as typed
  std::optional<std::int64_t> memory;  // bytes
  std::optional<double> cpus;
  std::optional<std::int64_t> pids_limit;
  std::uint64_t log_size = 1 << 20;
  bool detach = false;
  bool rm = false;
  bool interactive = false;
  std::string network = "bridge";    // bridge | none | host | a user network's name or id
  std::string ip;                    // --ip
  std::vector<std::string> publish;  // -p, as typed
  bool publish_all = false;          // -P
  std::vector<std::string> network_aliases;
  bool tty = false;            // -t: a terminal from the container's devpts
  std::uint32_t tty_rows = 0;  // its size before the workload starts (0: the kernel's)
  std::uint32_t tty_cols = 0;
  std::string restart = "no";                // no | on-failure[:N] | always | unless-stopped
  std::string stop_signal;                   // --stop-signal; empty: the image's, else SIGTERM
  std::optional<std::int64_t> stop_timeout;  // --stop-timeout, seconds; unset: 10
  std::vector<std::string> labels;           // -l, --label-file: KEY=VALUE
  // Resources beyond memory, cpus and pids (cgroup::Limits says what each is).
  std::string cpuset_cpus;  // "0-2,4"
  std::string cpuset_mems;
  std::optional<std::int64_t> cpu_shares;
  std::optional<std::int64_t> cpu_period;   // µs
  std::optional<std::int64_t> cpu_quota;    // µs
  std::optional<std::int64_t> memory_swap;  // bytes, memory included; -1: unlimited
  std::optional<std::int64_t> memory_reservation;
  bool oom_kill_disable = false;
  std::optional<std::int64_t> blkio_weight;       // 10..1000
  std::optional<std::int64_t> oom_score_adj;      // -1000..1000, the workload's
  std::optional<std::int64_t> memory_swappiness;  // 0..100; absent or -1: the kernel's
  std::optional<std::int64_t> cpu_rt_period;      // µs
  std::optional<std::int64_t> cpu_rt_runtime;     // µs
  // Per device, as typed: "PATH:WEIGHT", "PATH:RATE" (b, k, m, g), "PATH:N" (per second).
  std::vector<std::string> blkio_weight_device;
  std::vector<std::string> device_read_bps;
  std::vector<std::string> device_write_bps;
  std::vector<std::string> device_read_iops;
  std::vector<std::string> device_write_iops;
  std::vector<std::string> device_cgroup_rules;  // "c 1:3 mr"
  std::string cgroup_parent;                     // "": asupd's --cgroup-parent
  // Windows' (Docker's Linux daemon drops the CPU ones, refuses the I/O ones).
  std::optional<std::int64_t> cpu_count;
  std::optional<std::int64_t> cpu_percent;
  std::optional<std::int64_t> io_maxbandwidth;  // bytes per second
  std::optional<std::int64_t> io_maxiops;
  // Security (Docker's flags, as typed; asupd parses and checks them).
  std::vector<std::string> cap_add;  // "NET_ADMIN", "CAP_SYS_TIME", "ALL"
  std::vector<std::string> cap_drop;
  bool privileged = false;
  // "no-new-privileges[=BOOL]", "seccomp=unconfined", "seccomp=PROFILE JSON" (the client
  // sends the file's content, as Docker's does), "apparmor=...", "label=..."
  std::vector<std::string> security_opt;
  bool read_only = false;                // --read-only: the root filesystem
  std::vector<std::string> group_add;    // group names (the container's) or numbers
  std::vector<std::string> sysctls;      // "KEY=VALUE"
  std::vector<std::string> ulimits;      // "NAME=SOFT[:HARD]"
  std::optional<std::int64_t> shm_size;  // bytes; unset or 0: 64m
  std::string userns;                    // "" or "host"
  // Names and resolvers (--add-host, --dns*), --mac-address, --expose: as typed.
  std::vector<std::string> add_hosts;  // NAME:IP, NAME=IP, NAME:host-gateway
  std::vector<std::string> dns;
  std::vector<std::string> dns_search;
  std::vector<std::string> dns_options;
  std::string mac_address;
  std::vector<std::string> expose;  // PORT[/PROTO] or FIRST-LAST[/PROTO]
  // The health check (--health-*, --no-healthcheck); 0 or "" leaves the image's value.
  bool no_healthcheck = false;
  std::string health_cmd;                  // run with /bin/sh -c
  std::int64_t health_interval = 0;        // ns
  std::int64_t health_timeout = 0;         // ns
  std::int64_t health_start_period = 0;    // ns
  std::int64_t health_start_interval = 0;  // ns
  std::int64_t health_retries = 0;
  // Storage beyond -v and --tmpfs: --mount as typed, --volumes-from CONTAINER[:ro|rw].
  std::vector<std::string> mounts;
  std::vector<std::string> volumes_from;
  std::string log_driver;             // --log-driver: "" or json-file, local (the ring), none
  std::vector<std::string> log_opts;  // --log-opt KEY=VALUE as typed
  // Namespaces: --pid "" | host | container:X; --ipc "" | none | private | shareable |
  // host | container:X; --uts "" | host; --cgroupns "" | host | private.
  std::string pid;
  std::string ipc;
  std::string uts;
  std::string cgroupns;
  std::string domainname;
  std::vector<std::string> annotations;  // KEY=VALUE
  std::string runtime;                   // "" (runc), runc, asup
  std::vector<std::string> links;        // --link NAME[:ALIAS]
  std::string volume_driver;             // "" or local
  // What this host has not and Docker refuses without: --storage-opt, --gpus,
  // --isolation, --ip6, --link-local-ip (as typed).
  std::vector<std::string> storage_opt;
  std::string gpus;
  std::string isolation;
  std::string ip6;
  std::vector<std::string> link_local_ips;
  ASUP_API_FIELDS2((image, cmd, entrypoint, env, workdir, user, hostname, name, volumes, tmpfs,
                    devices, memory, cpus, pids_limit, log_size, detach, rm, interactive, network,
                    ip, publish, publish_all, network_aliases, tty, tty_rows, tty_cols, restart,
                    stop_signal, stop_timeout, labels, cpuset_cpus, cpuset_mems, cpu_shares,
                    cpu_period, cpu_quota, memory_swap, memory_reservation, oom_kill_disable,
                    blkio_weight, oom_score_adj, memory_swappiness, cpu_rt_period, cpu_rt_runtime,
                    blkio_weight_device, device_read_bps, device_write_bps, device_read_iops,
                    device_write_iops, device_cgroup_rules, cgroup_parent, cpu_count, cpu_percent,
                    io_maxbandwidth, io_maxiops),
                   (cap_add, cap_drop, privileged, security_opt, read_only, group_add, sysctls,
                    ulimits, shm_size, userns, add_hosts, dns, dns_search, dns_options, mac_address,
                    expose, no_healthcheck, health_cmd, health_interval, health_timeout,
                    health_start_period, health_start_interval, health_retries, mounts,
                    volumes_from, log_driver, log_opts, pid, ipc, uts, cgroupns, domainname,
                    annotations, runtime, links, volume_driver, storage_opt, gpus, isolation, ip6,
                    link_local_ips))
};

// create: a container in state "created", every run field but detach (which it ignores);
// `start` runs it.
struct CreateRequest : RunRequest {
  static constexpr std::string_view kOp = "create";
  using Reply = IdResult;
};

// start: each container named; a running one is left as it is. With `attach` (one
// container only) the caller gets Attached, the live output and the Exit as for an
// attached run; `interactive` gives the container the caller's stdin (a terminal's keys
// travel as input requests instead).
struct StartRequest {
  static constexpr std::string_view kOp = "start";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  bool attach = false;
  bool interactive = false;
  std::uint32_t tty_rows = 0;  // a terminal's size when it starts (0: as it was)
  std::uint32_t tty_cols = 0;
  ASUP_API_FIELDS(ids, attach, interactive, tty_rows, tty_cols)
};

// restart: stop as `stop` does (a stopped container is only started), then start.
struct RestartRequest {
  static constexpr std::string_view kOp = "restart";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  std::optional<std::int64_t> timeout;  // as stop's
  std::string signal;
  ASUP_API_FIELDS(ids, timeout, signal)
};

struct PauseRequest {
  static constexpr std::string_view kOp = "pause";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  ASUP_API_FIELDS(ids)
};

struct UnpauseRequest {
  static constexpr std::string_view kOp = "unpause";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  ASUP_API_FIELDS(ids)
};

struct RenameRequest {
  static constexpr std::string_view kOp = "rename";
  using Reply = Done;
  std::string id;
  std::string name;
  ASUP_API_FIELDS(id, name)
};

// diff: what the container changed in its filesystem.
struct DiffRequest {
  static constexpr std::string_view kOp = "diff";
  using Reply = DiffResult;
  std::string id;
  ASUP_API_FIELDS(id)
};

// top: the container's processes as `ps ARGS` on the host shows them (Docker's top).
struct TopRequest {
  static constexpr std::string_view kOp = "top";
  using Reply = TopResult;
  std::string id;
  std::vector<std::string> ps_args;  // empty: -ef
  ASUP_API_FIELDS(id, ps_args)
};

// update: limits of running containers change live; every change is kept in the config.
struct UpdateRequest {
  static constexpr std::string_view kOp = "update";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  std::optional<std::int64_t> memory;  // bytes
  std::optional<double> cpus;
  std::optional<std::int64_t> pids_limit;  // <= 0: unlimited
  std::optional<std::string> restart;
  std::optional<std::string> cpuset_cpus;
  std::optional<std::string> cpuset_mems;
  std::optional<std::int64_t> cpu_shares;
  std::optional<std::int64_t> cpu_period;
  std::optional<std::int64_t> cpu_quota;
  std::optional<std::int64_t> memory_swap;
  std::optional<std::int64_t> memory_reservation;
  std::optional<std::int64_t> blkio_weight;
  std::optional<std::int64_t> cpu_rt_period;
  std::optional<std::int64_t> cpu_rt_runtime;
  ASUP_API_FIELDS(ids, memory, cpus, pids_limit, restart, cpuset_cpus, cpuset_mems, cpu_shares,
                  cpu_period, cpu_quota, memory_swap, memory_reservation, blkio_weight,
                  cpu_rt_period, cpu_rt_runtime)
};

struct PsRequest {
  static constexpr std::string_view kOp = "ps";
  using Reply = PsResult;
  bool all = false;
  ASUP_API_FIELDS(all)
};

struct InspectRequest {
  static constexpr std::string_view kOp = "inspect";
  using Reply = InspectResult;
  std::vector<std::string> ids;
  ASUP_API_FIELDS(ids)
};

struct PortRequest {
  static constexpr std::string_view kOp = "port";
  using Reply = PortResult;
  std::string id;
  std::string port;  // "80/tcp", "53/udp", "80"; empty: all
  ASUP_API_FIELDS(id, port)
};

struct LogsRequest {
  static constexpr std::string_view kOp = "logs";
  using Reply = Done;
  std::string id;
  bool follow = false;
  std::int64_t tail = -1;  // lines; -1: all
  // Unix ns, 0: no bound; the client turns --since/--until (durations, RFC 3339, Unix
  // seconds) into these.
  std::int64_t since = 0;
  std::int64_t until = 0;
  bool details = false;  // --details: a notice with the log's attributes comes first
  ASUP_API_FIELDS(id, follow, tail, since, until, details)
};

struct ExecRequest {
  static constexpr std::string_view kOp = "exec";
  using Reply = Exit;
  std::string id;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::optional<std::string> workdir;  // unset: the container's
  std::optional<std::string> user;     // unset: the container's
  bool interactive = false;
  bool tty = false;  // -t: a terminal of its own from the container's devpts
  std::uint32_t tty_rows = 0;
  std::uint32_t tty_cols = 0;
  ASUP_API_FIELDS(id, cmd, env, workdir, user, interactive, tty, tty_rows, tty_cols)
};

struct StopRequest {
  static constexpr std::string_view kOp = "stop";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  // seconds; 0: SIGKILL at once; negative: wait without limit; unset: the container's
  // --stop-timeout, else 10
  std::optional<std::int64_t> timeout;
  std::string signal;  // -s; empty: the container's stop signal, else SIGTERM
  ASUP_API_FIELDS(ids, timeout, signal)
};

struct KillRequest {
  static constexpr std::string_view kOp = "kill";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  std::string signal = "KILL";  // "TERM", "SIGRTMIN+3", "9"
  ASUP_API_FIELDS(ids, signal)
};

struct RmRequest {
  static constexpr std::string_view kOp = "rm";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  bool force = false;
  bool volumes = false;  // -v: the container's anonymous volumes go too
  ASUP_API_FIELDS(ids, force, volumes)
};

struct WaitRequest {
  static constexpr std::string_view kOp = "wait";
  using Reply = OutcomesResult;
  std::vector<std::string> ids;
  ASUP_API_FIELDS(ids)
};

struct LoadRequest {
  static constexpr std::string_view kOp = "load";
  using Reply = LoadResult;
  std::string path;  // absolute; /proc/PID/fd/0 for the client's stdin
  ASUP_API_FIELDS(path)
};

struct ImportRequest {
  static constexpr std::string_view kOp = "import";
  using Reply = IdResult;
  std::string path;
  std::string reference;
  ASUP_API_FIELDS(path, reference)
};

struct ImagesRequest {
  static constexpr std::string_view kOp = "images";
  using Reply = ImagesResult;
  ASUP_API_NO_FIELDS
};

struct RmiRequest {
  static constexpr std::string_view kOp = "rmi";
  using Reply = OutcomesResult;
  std::vector<std::string> images;
  bool force = false;
  ASUP_API_FIELDS(images, force)
};

struct PullRequest {
  static constexpr std::string_view kOp = "pull";
  using Reply = PullResult;
  std::string reference;
  std::string platform;  // "os/arch[/variant]"; empty: this host's
  ASUP_API_FIELDS(reference, platform)
};

struct LoginRequest {
  static constexpr std::string_view kOp = "login";
  using Reply = LoginResult;
  std::string server;  // empty: Docker Hub
  std::string username;
  std::string password;
  ASUP_API_FIELDS(server, username, password)
};

struct LogoutRequest {
  static constexpr std::string_view kOp = "logout";
  using Reply = LogoutResult;
  std::string server;
  ASUP_API_FIELDS(server)
};

struct TagRequest {
  static constexpr std::string_view kOp = "tag";
  using Reply = TagResult;
  std::string source;  // reference, id or id prefix
  std::string target;  // reference, no digest
  ASUP_API_FIELDS(source, target)
};

struct SaveRequest {
  static constexpr std::string_view kOp = "save";
  using Reply = Done;
  std::vector<std::string> images;
  std::string path;  // absolute
  bool in_place = false;
  ASUP_API_FIELDS(images, path, in_place)
};

struct ImageInspectRequest {
  static constexpr std::string_view kOp = "image_inspect";
  using Reply = InspectResult;
  std::vector<std::string> images;
  ASUP_API_FIELDS(images)
};

struct ImagePruneRequest {
  static constexpr std::string_view kOp = "image_prune";
  using Reply = ImagePruneResult;
  bool all = false;
  ASUP_API_FIELDS(all)
};

struct NetworkCreateRequest {
  static constexpr std::string_view kOp = "network_create";
  using Reply = IdResult;
  std::string name;
  std::string subnet;  // CIDR; empty: the next free pool
  std::string gateway;
  std::string driver = "bridge";
  bool internal = false;
  ASUP_API_FIELDS(name, subnet, gateway, driver, internal)
};

struct NetworkLsRequest {
  static constexpr std::string_view kOp = "network_ls";
  using Reply = NetworkLsResult;
  ASUP_API_NO_FIELDS
};

struct NetworkInspectRequest {
  static constexpr std::string_view kOp = "network_inspect";
  using Reply = InspectResult;
  std::vector<std::string> names;
  ASUP_API_FIELDS(names)
};

struct NetworkRmRequest {
  static constexpr std::string_view kOp = "network_rm";
  using Reply = OutcomesResult;
  std::vector<std::string> names;
  ASUP_API_FIELDS(names)
};

struct NetworkConnectRequest {
  static constexpr std::string_view kOp = "network_connect";
  using Reply = Done;
  std::string network;
  std::string container;
  std::string ip;
  std::vector<std::string> aliases;
  ASUP_API_FIELDS(network, container, ip, aliases)
};

// Keys or bytes for a running container's stdin: its terminal (-t), or the stdin pipe of
// a detached -i container. No reply: it travels on the session that is attached, between
// its output frames; what cannot be delivered is dropped (asupd logs why).
struct InputRequest {
  static constexpr std::string_view kOp = "input";
  using Reply = Done;
  std::string id;
  std::optional<std::string> exec;  // an exec of it with a terminal, by its Started id
  std::string data;                 // base64
  bool close = false;               // stdin ends after data (a pipe's reader sees EOF)
  ASUP_API_FIELDS(id, exec, data, close)
};

// attach: Attached, then the container's live output and its Exit; keys reach it through
// input requests. The session's end detaches.
struct AttachRequest {
  static constexpr std::string_view kOp = "attach";
  using Reply = Exit;
  std::string id;
  ASUP_API_FIELDS(id)
};

// A container's terminal's new size. No reply, as for input.
struct ResizeRequest {
  static constexpr std::string_view kOp = "resize";
  using Reply = Done;
  std::string id;
  std::optional<std::string> exec;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  ASUP_API_FIELDS(id, exec, rows, cols)
};

struct NetworkDisconnectRequest {
  static constexpr std::string_view kOp = "network_disconnect";
  using Reply = Done;
  std::string network;
  std::string container;
  bool force = false;
  ASUP_API_FIELDS(network, container, force)
};

struct VersionRequest {
  static constexpr std::string_view kOp = "version";
  using Reply = VersionResult;
  ASUP_API_NO_FIELDS
};

// ---- volumes ----------------------------------------------------------------------------

// volume create: the volume's name (a new anonymous name when `name` is empty). A name
// that exists is answered as it is, whatever the labels and options, as Docker does.
struct VolumeCreateRequest {
  static constexpr std::string_view kOp = "volume_create";
  using Reply = IdResult;
  std::string name;
  std::string driver = "local";
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;  // the local driver's type, device, o
  ASUP_API_FIELDS(name, driver, labels, options)
};

// volume ls: `filters` as typed ("dangling=true", "name=x", "label=k=v", "driver=local").
struct VolumeLsRequest {
  static constexpr std::string_view kOp = "volume_ls";
  using Reply = VolumeLsResult;
  std::vector<std::string> filters;
  ASUP_API_FIELDS(filters)
};

struct VolumeInspectRequest {
  static constexpr std::string_view kOp = "volume_inspect";
  using Reply = InspectResult;
  std::vector<std::string> names;
  ASUP_API_FIELDS(names)
};

// volume rm: a volume in use is refused, force or not; force makes a missing one no error.
struct VolumeRmRequest {
  static constexpr std::string_view kOp = "volume_rm";
  using Reply = OutcomesResult;
  std::vector<std::string> names;
  bool force = false;
  ASUP_API_FIELDS(names, force)
};

// volume prune: unused anonymous volumes (`all`: named ones too) that pass `filters`
// ("label=k", "label!=k=v"). The reply's lines are the names removed.
struct VolumePruneRequest {
  static constexpr std::string_view kOp = "volume_prune";
  using Reply = ImagePruneResult;
  std::vector<std::string> filters;
  bool all = false;
  ASUP_API_FIELDS(filters, all)
};

// Every request type, for whoever must handle or describe them all (the FIFO router, the
// protocol document's check).
template <class Visit>
void for_each_request(Visit&& visit) {
  visit(RunRequest{}), visit(PsRequest{}), visit(InspectRequest{}), visit(PortRequest{}),
      visit(LogsRequest{}), visit(ExecRequest{}), visit(StopRequest{}), visit(KillRequest{}),
      visit(RmRequest{}), visit(WaitRequest{}), visit(LoadRequest{}), visit(ImportRequest{}),
      visit(ImagesRequest{}), visit(RmiRequest{}), visit(PullRequest{}), visit(LoginRequest{}),
      visit(LogoutRequest{}), visit(TagRequest{}), visit(SaveRequest{}),
      visit(ImageInspectRequest{}), visit(ImagePruneRequest{}), visit(NetworkCreateRequest{}),
      visit(NetworkLsRequest{}), visit(NetworkInspectRequest{}), visit(NetworkRmRequest{}),
      visit(NetworkConnectRequest{}), visit(NetworkDisconnectRequest{}), visit(InputRequest{}),
      visit(ResizeRequest{}), visit(AttachRequest{}), visit(CreateRequest{}), visit(StartRequest{}),
      visit(RestartRequest{}), visit(PauseRequest{}), visit(UnpauseRequest{}),
      visit(RenameRequest{}), visit(UpdateRequest{}), visit(VersionRequest{}), visit(TopRequest{}),
      visit(DiffRequest{});
  visit(VolumeCreateRequest{}), visit(VolumeLsRequest{}), visit(VolumeInspectRequest{}),
      visit(VolumeRmRequest{}), visit(VolumePruneRequest{});
}

// A request line: the fields of T plus its "op".
template <class T>
nlohmann::json request_line(const T& request) {
  auto j = encode(request);
  j["op"] = T::kOp;
  return j;
}

}  // namespace asup::api
