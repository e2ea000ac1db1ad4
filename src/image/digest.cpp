#include "image/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "asup/unique_fd.hpp"

namespace asup::image {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure or a libcrypto without sha256 leaves nothing sensible to do.
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) std::abort();
}

void Sha256::update(const void* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(ctx_.get(), data, size);
}

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_.get(), md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

Result<std::string> sha256_file(const std::string& path) {
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) return fail_errno("open " + path);
  Sha256 h;
  static thread_local char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("read " + path);
    }
    if (n == 0) break;
    h.update(buf, static_cast<size_t>(n));
  }
  return "sha256:" + h.hex();
}

bool is_sha256_hex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_sha256_digest(std::string_view digest) {
  return digest.substr(0, 7) == "sha256:" && is_sha256_hex(digest.substr(7));
}

std::string_view digest_hex(std::string_view digest) {
  if (digest.substr(0, 7) == "sha256:") digest.remove_prefix(7);
  return digest;
}

}  // namespace asup::image
