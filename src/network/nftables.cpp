#include "network/nftables.hpp"

#include <nftables/libnftables.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <sstream>

#include "asup/unique_fd.hpp"
#include "core/fs.hpp"

namespace asup::network {
namespace {

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::string line_of(const std::string& text, unsigned number) {
  std::istringstream in(text);
  std::string line;
  for (unsigned i = 1; std::getline(in, line); ++i)
    if (i == number) return trim(line);
  return "";
}

// nft reports "FILE:3:5-9: Error: Could not process rule: File exists", then the script line
// and a ^^^ marker under it, then often follow-up errors. The first line is the news; its
// location is only useful as the script line it names.
// `file` empty: the caller names the command itself.
std::string describe_nft_error(const std::string& errors, const std::string& file,
                               const std::string& script) {
  std::istringstream in(errors);
  std::string first;
  while (std::getline(in, first) && trim(first).empty()) {
  }
  first = trim(first);
  if (first.empty()) return "nft failed without a message";
  const std::string error_tag = "Error: ";
  auto tag = first.find(error_tag);
  if (tag == std::string::npos) return first;
  std::string message = first.substr(tag + error_tag.size());
  if (!file.empty() && first.rfind(file + ":", 0) == 0) {
    unsigned line = 0;
    for (auto i = file.size() + 1;
         i < first.size() && std::isdigit(static_cast<unsigned char>(first[i])); ++i)
      line = line * 10 + (first[i] - '0');
    if (auto text = line_of(script, line); !text.empty())
      message += " (line " + std::to_string(line) + ": " + text + ")";
  }
  return message;
}

}  // namespace

void Nftables::ContextDeleter::operator()(nft_ctx* ctx) const {
  nft_ctx_free(ctx);
}

Result<Nftables> Nftables::open() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return fail(ENOMEM, "create nftables context");
  Nftables nft(ctx);
  // Buffered, so nothing lands on the daemon's stdout/stderr and errors become values.
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0)
    return fail(ENOMEM, "buffer nftables output");
  return nft;
}

Result<std::string> Nftables::execute(const std::string& script, bool dry_run, bool name_line) {
  // From a file, not a buffer: nft 1.0.6 points every error of a buffer at its first line,
  // while for a file it names the line that failed.
  UniqueFd file(::memfd_create("asup-nft", MFD_CLOEXEC));
  if (!file) return fail_errno("memfd_create");
  std::string path = "/proc/self/fd/" + std::to_string(file.get());
  ASUP_TRY(fs::write_file(path, script));

  nft_ctx_set_dry_run(ctx_.get(), dry_run);
  int rc = nft_run_cmd_from_filename(ctx_.get(), path.c_str());
  // Reading a buffer also rewinds it, so each call starts with empty buffers.
  const char* output = nft_ctx_get_output_buffer(ctx_.get());
  const char* errors = nft_ctx_get_error_buffer(ctx_.get());
  if (rc != 0) return fail(describe_nft_error(errors ? errors : "", name_line ? path : "", script));
  return std::string(output ? output : "");
}

Status Nftables::run(const std::string& script) {
  if (auto done = execute(script, false, true); !done)
    return fail(done.error().wrap("apply nftables script"));
  return ok();
}

Status Nftables::check(const std::string& script) {
  if (auto done = execute(script, true, true); !done)
    return fail(done.error().wrap("check nftables script"));
  return ok();
}

Result<std::string> Nftables::list(const std::string& object) {
  auto listed = execute("list " + object, false, false);
  if (!listed) return fail(listed.error().wrap("nft list " + object));
  return listed;
}

}  // namespace asup::network
