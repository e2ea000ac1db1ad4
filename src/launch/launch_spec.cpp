// Wire format (all integers little-endian):
//   "ASPC" u32 version
//   u8 mode, str rootfs, u32 n, n x mount, str hostname, strs argv, strs env, str workdir,
//   str user, u8 no_new_privs, strs cgroup_procs, u8 seccomp, bytes seccomp_program,
//   u8 late_cgroup_namespace, u64 log_size, u8 tty, u32 tty_rows, u32 tty_cols,
//   u8 has_oom_score_adj, u32 oom_score_adj (two's complement), u64 capabilities,
//   strs extra_groups, u32 n, n x (u32 resource, u64 soft, u64 hard), strs sysctls,
//   u8 read_only_root
//   mount: u8 kind, str source, str target, str fstype, u64 flags, str data, u32 mode,
//          u32 major, u32 minor, u32 uid, u32 gid, u8 host_target
//   str = u32 length + bytes (no NUL); bytes = the same, NULs allowed; strs = u32 count + count x
//   str
// This file is also linked into asup-init (-fno-exceptions): no throwing APIs, and every
// length is checked against the bytes left before anything is allocated.
#include "launch/launch_spec.hpp"

#include <cerrno>

namespace asup::launch {
namespace {

constexpr char kMagic[4] = {'A', 'S', 'P', 'C'};
// 2: seccomp and late_cgroup_namespace appended. 3: seccomp_program. 4: mount uid, gid.
// 5: log_size. 6: tty, tty_rows, tty_cols. 7: oom_score_adj. 8: capabilities,
// extra_groups, rlimits, sysctls, read_only_root.
constexpr std::uint32_t kVersion = 9;

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void strs(const std::vector<std::string>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
  void raw(const char* p, std::size_t n) { out_.append(p, n); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool u8(std::uint8_t& v) {
    if (in_.size() < 1) return false;
    v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (in_.size() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<std::uint8_t>(in_[i])} << (8 * i);
    in_.remove_prefix(4);
    return true;
  }
  bool u64(std::uint64_t& v) {
    if (in_.size() < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(in_[i])} << (8 * i);
    in_.remove_prefix(8);
    return true;
  }
  bool boolean(bool& v) {
    std::uint8_t b;
    if (!u8(b) || b > 1) return false;
    v = b == 1;
    return true;
  }
  // Every string ends up as a C string in a system call: an embedded NUL would silently
  // cut it short, so it is rejected here.
  bool str(std::string& s) {
    std::uint32_t n;
    if (!u32(n) || n > in_.size()) return false;
    std::string_view bytes = in_.substr(0, n);
    if (bytes.find('\0') != std::string_view::npos) return false;
    s.assign(bytes.data(), bytes.size());
    in_.remove_prefix(n);
    return true;
  }
  // Binary data (the seccomp program): NULs are part of it.
  bool bytes(std::string& s) {
    std::uint32_t n;
    if (!u32(n) || n > in_.size()) return false;
    s.assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  // A count is plausible only if that many items of at least `min_size` bytes fit in what
  // is left; this keeps a corrupt count from reserving gigabytes.
  bool count(std::uint32_t& n, std::size_t min_size) {
    return u32(n) && n <= in_.size() / min_size;
  }
  bool strs(std::vector<std::string>& v) {
    std::uint32_t n;
    if (!count(n, 4)) return false;
    v.clear();
    v.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      std::string s;
      if (!str(s)) return false;
      v.push_back(std::move(s));
    }
    return true;
  }
  bool magic() {
    if (in_.size() < sizeof kMagic || in_.substr(0, sizeof kMagic) != std::string_view{kMagic, 4})
      return false;
    in_.remove_prefix(sizeof kMagic);
    return true;
  }
  bool done() const { return in_.empty(); }
  std::size_t left() const { return in_.size(); }

 private:
  std::string_view in_;
};

// Smallest encoding of one MountOp: kind + 4 empty strings + flags + 5 u32 + host_target.
constexpr std::size_t kMinMountSize = 1 + 4 * 4 + 8 + 5 * 4 + 1 + 8;

bool valid_kind(std::uint8_t k) {
  return k >= static_cast<std::uint8_t>(MountKind::Mount) &&
         k <= static_cast<std::uint8_t>(MountKind::ReadOnly);
}

bool read_mount(Reader& r, MountOp& op) {
  std::uint8_t kind;
  if (!r.u8(kind) || !valid_kind(kind)) return false;
  op.kind = static_cast<MountKind>(kind);
  return r.str(op.source) && r.str(op.target) && r.str(op.fstype) && r.u64(op.flags) &&
         r.str(op.data) && r.u32(op.mode) && r.u32(op.major) && r.u32(op.minor) && r.u32(op.uid) &&
         r.u32(op.gid) && r.boolean(op.host_target) && r.u64(op.propagation);
}

Error corrupt(const char* what) {
  return Error{EINVAL, std::string{"decode launch spec: "} + what};
}

}  // namespace

std::string encode(const LaunchSpec& spec) {
  return encode(spec, spec.seccomp_program);
}

std::string encode(const LaunchSpec& spec, std::string_view seccomp_program) {
  Writer w;
  w.raw(kMagic, sizeof kMagic);
  w.u32(kVersion);
  w.u8(static_cast<std::uint8_t>(spec.mode));
  w.str(spec.rootfs);
  w.u32(static_cast<std::uint32_t>(spec.mounts.size()));
  for (const auto& op : spec.mounts) {
    w.u8(static_cast<std::uint8_t>(op.kind));
    w.str(op.source);
    w.str(op.target);
    w.str(op.fstype);
    w.u64(op.flags);
    w.str(op.data);
    w.u32(op.mode);
    w.u32(op.major);
    w.u32(op.minor);
    w.u32(op.uid);
    w.u32(op.gid);
    w.u8(op.host_target ? 1 : 0);
    w.u64(op.propagation);
  }
  w.str(spec.hostname);
  w.strs(spec.argv);
  w.strs(spec.env);
  w.str(spec.workdir);
  w.str(spec.user);
  w.u8(spec.no_new_privs ? 1 : 0);
  w.strs(spec.cgroup_procs);
  w.u8(spec.seccomp ? 1 : 0);
  w.str(seccomp_program);
  w.u8(spec.late_cgroup_namespace ? 1 : 0);
  w.u64(spec.log_size);
  w.u8(spec.tty ? 1 : 0);
  w.u32(spec.tty_rows);
  w.u32(spec.tty_cols);
  w.u8(spec.oom_score_adj ? 1 : 0);
  w.u32(static_cast<std::uint32_t>(spec.oom_score_adj.value_or(0)));
  w.u64(spec.capabilities);
  w.strs(spec.extra_groups);
  w.u32(static_cast<std::uint32_t>(spec.rlimits.size()));
  for (const auto& limit : spec.rlimits) {
    w.u32(limit.resource);
    w.u64(limit.soft);
    w.u64(limit.hard);
  }
  w.strs(spec.sysctls);
  w.u8(spec.read_only_root ? 1 : 0);
  w.str(spec.domainname);
  return w.take();
}

Result<LaunchSpec> decode(std::string_view bytes) {
  Reader r{bytes};
  if (!r.magic()) return fail(corrupt("bad magic (not a launch spec)"));
  std::uint32_t version;
  if (!r.u32(version)) return fail(corrupt("truncated header"));
  if (version != kVersion)
    return fail(
        Error{EINVAL, "decode launch spec: unsupported version " + std::to_string(version)});

  LaunchSpec spec;
  std::uint8_t mode;
  if (!r.u8(mode) || (mode != static_cast<std::uint8_t>(Mode::Container) &&
                      mode != static_cast<std::uint8_t>(Mode::Exec)))
    return fail(corrupt("bad mode"));
  spec.mode = static_cast<Mode>(mode);
  if (!r.str(spec.rootfs)) return fail(corrupt("bad rootfs"));

  std::uint32_t n;
  if (!r.count(n, kMinMountSize)) return fail(corrupt("bad mount count"));
  spec.mounts.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    MountOp op;
    if (!read_mount(r, op)) return fail(corrupt("bad mount operation"));
    spec.mounts.push_back(std::move(op));
  }
  if (!r.str(spec.hostname)) return fail(corrupt("bad hostname"));
  if (!r.strs(spec.argv)) return fail(corrupt("bad argv"));
  if (!r.strs(spec.env)) return fail(corrupt("bad env"));
  if (!r.str(spec.workdir)) return fail(corrupt("bad workdir"));
  if (!r.str(spec.user)) return fail(corrupt("bad user"));
  if (!r.boolean(spec.no_new_privs)) return fail(corrupt("bad no_new_privs"));
  if (!r.strs(spec.cgroup_procs)) return fail(corrupt("bad cgroup_procs"));
  if (!r.boolean(spec.seccomp)) return fail(corrupt("bad seccomp"));
  if (!r.bytes(spec.seccomp_program)) return fail(corrupt("bad seccomp_program"));
  if (!r.boolean(spec.late_cgroup_namespace)) return fail(corrupt("bad late_cgroup_namespace"));
  if (!r.u64(spec.log_size)) return fail(corrupt("bad log_size"));
  if (!r.boolean(spec.tty)) return fail(corrupt("bad tty"));
  if (!r.u32(spec.tty_rows) || !r.u32(spec.tty_cols)) return fail(corrupt("bad tty size"));
  bool has_oom_score_adj;
  std::uint32_t oom_score_adj;
  if (!r.boolean(has_oom_score_adj) || !r.u32(oom_score_adj))
    return fail(corrupt("bad oom_score_adj"));
  if (has_oom_score_adj) spec.oom_score_adj = static_cast<std::int32_t>(oom_score_adj);
  if (!r.u64(spec.capabilities)) return fail(corrupt("bad capabilities"));
  if (!r.strs(spec.extra_groups)) return fail(corrupt("bad extra_groups"));
  if (!r.count(n, 4 + 8 + 8)) return fail(corrupt("bad rlimit count"));
  spec.rlimits.resize(n);
  for (auto& limit : spec.rlimits) {
    if (!r.u32(limit.resource) || !r.u64(limit.soft) || !r.u64(limit.hard))
      return fail(corrupt("bad rlimit"));
  }
  if (!r.strs(spec.sysctls)) return fail(corrupt("bad sysctls"));
  if (!r.boolean(spec.read_only_root)) return fail(corrupt("bad read_only_root"));
  if (!r.str(spec.domainname)) return fail(corrupt("bad domainname"));
  if (!r.done()) return fail(corrupt("trailing bytes"));
  return spec;
}

}  // namespace asup::launch
