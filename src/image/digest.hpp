// sha256 digests in the "sha256:HEX" form OCI uses, computed incrementally so large blobs
// are hashed while they stream through.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::image {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Lowercase hex of the digest; the hasher must not be updated afterwards.
  std::string hex();

 private:
  struct FreeCtx {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, FreeCtx> ctx_;
};

std::string sha256_hex(std::string_view data);
// "sha256:HEX" of a file's content.
Result<std::string> sha256_file(const std::string& path);
// True for "sha256:" followed by exactly 64 lowercase hex digits.
bool is_sha256_digest(std::string_view digest);
bool is_sha256_hex(std::string_view hex);
// "sha256:HEX" -> "HEX"; anything else is returned unchanged.
std::string_view digest_hex(std::string_view digest);

}  // namespace asup::image
