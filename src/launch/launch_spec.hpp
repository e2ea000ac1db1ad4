// The launch spec is everything asup-init needs to set up a container (or join one for
// exec): built as data by asupd, serialized into a memfd, read by asup-init at fd 3.
// asup-init is static and small, so the codec is plain length-prefixed fields, not JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::launch {

// Descriptor numbers asupd hands to asup-init (dup2'ed in the clone3 child).
namespace fds {
inline constexpr int kStdin = 0;
inline constexpr int kStdout = 1;
inline constexpr int kStderr = 2;
inline constexpr int kSpec = 3;        // memfd holding the encoded LaunchSpec
inline constexpr int kReport = 4;      // init -> asupd: report lines (see below)
inline constexpr int kBarrier = 5;     // asupd -> init: one byte releases the workload; EOF aborts
inline constexpr int kStateDir = 6;    // O_PATH dir where init writes exit.json
inline constexpr int kStdoutHold = 7;  // read end of the stdout pipe, held across asupd restarts
inline constexpr int kStderrHold = 8;  // read end of the stderr pipe
inline constexpr int kNsPidfd = 9;     // exec mode: pidfd of the container's init
// Container mode, when asupd passes them (SpawnRequest::daemon_pidfd): what lets init keep
// the output while no asupd reads it (see "Output while asupd is away" below).
inline constexpr int kDaemonPidfd = 10;  // pidfd of the asupd in charge of this container
inline constexpr int kControl = 11;      // init's end of a SOCK_SEQPACKET socketpair
inline constexpr int kControlPeer = 12;  // the other end, held for an asupd to take
inline constexpr int kFirstFree = 13;
// With a terminal (LaunchSpec::tty) init opens the pty master in the container's own devpts
// and puts it here, where asupd takes it with pidfd_getfd before releasing the barrier
// (after "ready" in container mode, "console" in exec mode). In container mode init keeps
// its copy, in place of the stdout pipe, for the same reason it holds that pipe: to read
// the output while no asupd does. In exec mode init closes it once the barrier opens, so
// that asupd closing its copy hangs the terminal up (SIGHUP to the exec'd session).
inline constexpr int kConsoleMaster = kStdoutHold;
}  // namespace fds

// Report lines asup-init writes to fds::kReport:
//   "ready\n"                 setup done, waiting on the barrier
//   "console\n"               exec mode with a terminal: the master is at
//                             fds::kConsoleMaster, init waits on the barrier
//   "started PID\n"           the workload was exec'ed (PID in init's parent pid namespace
//                             view is not known to init: this is the pid inside the container)
//   "error CODE MESSAGE\n"    setup or exec failed; CODE is the exit code the user should
//                             see (125 engine, 126 not executable, 127 not found)
inline constexpr const char* kExitFile = "exit.json";
// exit.json: {"exit_code":N,"signal":S,"finished_at":UNIX_NANOS}; signal 0 for a normal exit.

// Output while asupd is away. asupd reads the output pipes itself while it lives. When the
// pidfd at fds::kDaemonPidfd turns readable (that asupd died or stopped), init reads them
// into the output spool in fds::kStateDir (launch/output_spool.hpp), at most log_size
// bytes per segment, so the workload never blocks on a full pipe and nothing it writes is
// lost. A restarted asupd takes fds::kControlPeer with pidfd_getfd and sends one message,
// "adopt TOKEN" with its own pidfd attached (SCM_RIGHTS); init stops reading, closes the
// spool, watches the new pidfd at fds::kDaemonPidfd and answers "ok TOKEN". From then on
// asupd owns the spool (it imports and deletes it) and reads the pipes again. The token
// tells asupd its answer from one meant for an asupd that died before reading it.
// When the workload exits, init hands every byte still in the pipes to a reader before it
// leaves: it waits until asupd has read them, or spools them itself when asupd is gone.
inline constexpr std::string_view kAdoptRequest = "adopt ";
inline constexpr std::string_view kAdoptReply = "ok ";

enum class MountKind : std::uint8_t {
  Mount = 1,   // mount(source, target, fstype, flags, data)
  Bind,        // bind mount source (host path) onto target; MS_RDONLY in flags -> remount ro
  MakeDir,     // mkdir -p target with mode
  MakeFile,    // create an empty file at target if missing (a bind-mount target)
  MakeDevice,  // mknod target, mode carries S_IFCHR or S_IFBLK|perm, major/minor, uid/gid
  Symlink,     // symlink target -> source
  // Hide target (a bind of /dev/null over a file, an empty read-only tmpfs over a
  // directory), as Docker does for /proc/kcore, /proc/keys, ...; skipped when missing.
  Mask,
  // Make target read-only (recursive bind onto itself, then a read-only remount), as
  // Docker does for /proc/sys, /proc/sysrq-trigger, ...; skipped when missing.
  ReadOnly,
};

struct MountOp {
  MountKind kind = MountKind::Mount;
  std::string source;
  // A path inside the container's root unless host_target is set. Paths inside the root
  // are resolved with openat2(RESOLVE_IN_ROOT) so a symlink in the image cannot point a
  // mount outside the container.
  std::string target;
  std::string fstype;
  std::uint64_t flags = 0;  // MS_* flags
  std::string data;
  std::uint32_t mode = 0;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t uid = 0;  // MakeDevice: the node's owner
  std::uint32_t gid = 0;
  bool host_target = false;
  // Bind: the propagation the new mount gets (MS_PRIVATE, MS_SLAVE, MS_SHARED, with MS_REC
  // for the r- forms); 0 leaves it as the bind made it.
  std::uint64_t propagation = 0;

  bool operator==(const MountOp&) const = default;
};

enum class Mode : std::uint8_t { Container = 1, Exec = 2 };

// Docker's default capability set as a mask (bit N is capability N): CapEff a80425fb.
inline constexpr std::uint64_t kDockerDefaultCapabilities = 0xa80425fbULL;

// One --ulimit: setrlimit(resource, {soft, hard}); RLIM_INFINITY for -1.
struct Rlimit {
  std::uint32_t resource = 0;  // RLIMIT_*
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;

  bool operator==(const Rlimit&) const = default;
};

struct LaunchSpec {
  Mode mode = Mode::Container;
  // Container mode: host path of the directory that becomes "/" (overlay merged dir).
  std::string rootfs;
  // Executed in order in the container's new mount namespace, after "/" is made rprivate
  // and before pivot_root into rootfs.
  std::vector<MountOp> mounts;
  std::string hostname;           // set in the container's UTS namespace; empty: left alone
  std::string domainname;         // --domainname, the same
  std::vector<std::string> argv;  // argv[0] without '/' is looked up in the env's PATH
  std::vector<std::string> env;   // KEY=VALUE, complete (image defaults already merged)
  std::string workdir = "/";
  // "", "uid", "uid:gid", "name", "name:group": resolved against the container's
  // /etc/passwd and /etc/group after pivot_root, as Docker does.
  std::string user;
  bool no_new_privs = true;
  // Exec mode: cgroup.procs files (host paths) to join before entering the namespaces.
  std::vector<std::string> cgroup_procs;
  // The workload runs under the default seccomp filter; spawn() fills seccomp_program
  // (struct sock_filter[], compiled once per asupd) when it is empty.
  bool seccomp = true;
  std::string seccomp_program;
  // cgroup v1 has no CLONE_INTO_CGROUP: asupd moves init into its groups after clone3, so
  // a cgroup namespace made by clone3 would be rooted at asupd's own group. With this set,
  // asupd leaves CLONE_NEWCGROUP out and init unshares it once the barrier opens (by then
  // it is in the container's groups), so the container sees its groups as "/".
  bool late_cgroup_namespace = false;
  // Container mode: the container's log ring size (--log-size), which bounds each segment
  // of the output spool init writes while no asupd reads the pipes.
  std::uint64_t log_size = 1 << 20;
  // The workload gets a pseudo-terminal from the container's devpts as its controlling
  // terminal and stdin/stdout/stderr, sized rows x cols (0: left as the kernel makes it)
  // before it is exec'ed.
  bool tty = false;
  std::uint32_t tty_rows = 0;
  std::uint32_t tty_cols = 0;
  // Container mode: the workload's /proc/self/oom_score_adj (-1000..1000, --oom-score-adj),
  // written before it gives up the capability that lowering it needs. Unset: inherited.
  std::optional<std::int32_t> oom_score_adj;
  // The workload's bounding, permitted and effective capabilities (inheritable and
  // ambient stay empty, as Docker sets them); a non-root user loses them at setuid.
  std::uint64_t capabilities = kDockerDefaultCapabilities;
  // --group-add: supplementary groups beyond the user's, each a name in the container's
  // /etc/group or a number.
  std::vector<std::string> extra_groups;
  // --ulimit: set on the workload before it runs.
  std::vector<Rlimit> rlimits;
  // Container mode: --sysctl "key=value" (dotted keys, checked by asupd to be namespaced),
  // written into the container's own namespaces once its network is wired.
  std::vector<std::string> sysctls;
  // Container mode: "/" remounted read-only after the mount plan (--read-only); the
  // mounts below it keep their own flags.
  bool read_only_root = false;

  bool operator==(const LaunchSpec&) const = default;
};

std::string encode(const LaunchSpec& spec);
// The same, with `seccomp_program` in place of spec.seccomp_program (no copy of the spec).
std::string encode(const LaunchSpec& spec, std::string_view seccomp_program);
Result<LaunchSpec> decode(std::string_view bytes);

}  // namespace asup::launch
