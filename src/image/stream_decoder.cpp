#include "image/stream_decoder.hpp"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <string>
#include <vector>

namespace asup::image {
namespace {

constexpr std::size_t kOutBlock = 1 << 18;

bool is_gzip(std::string_view head) {
  return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
         static_cast<unsigned char>(head[1]) == 0x8b;
}

bool is_zstd(std::string_view head) {
  return head.size() >= 4 && static_cast<unsigned char>(head[0]) == 0x28 &&
         static_cast<unsigned char>(head[1]) == 0xb5 &&
         static_cast<unsigned char>(head[2]) == 0x2f && static_cast<unsigned char>(head[3]) == 0xfd;
}

class PlainDecoder final : public StreamDecoder {
 public:
  Status feed(std::string_view input, const Sink& sink) override { return sink(input); }
  Status finish() override { return ok(); }
};

// Concatenated members are one stream, as gzip(1) and Go's reader (Docker) treat them.
class GzipDecoder final : public StreamDecoder {
 public:
  GzipDecoder() : out_(kOutBlock) { start_member(); }

  Status feed(std::string_view input, const Sink& sink) override {
    while (!input.empty()) {
      if (member_done_) {
        // Another member may follow; its magic can arrive split across chunks.
        while (magic_.size() < 2 && !input.empty()) {
          magic_ += input.front();
          input.remove_prefix(1);
        }
        if (magic_.size() < 2) break;
        if (!is_gzip(magic_)) return fail("gzip: trailing data after the compressed stream");
        start_member();
        std::string magic = std::move(magic_);
        magic_.clear();
        ASUP_TRY(run(magic, sink));
        continue;
      }
      ASUP_TRY(auto used, run(input, sink));
      input.remove_prefix(used);
    }
    return ok();
  }

  Status finish() override {
    if (!member_done_ || !magic_.empty())
      return fail("gzip: unexpected end of the compressed stream");
    return ok();
  }

 private:
  void start_member() {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
    member_done_ = false;
  }

  // Inflates from `input` until it is used up or the member ends; returns bytes used.
  Result<std::size_t> run(std::string_view input, const Sink& sink) {
    state_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input.data()));
    state_.avail_in = static_cast<uint32_t>(input.size());
    for (;;) {
      state_.next_out = out_.data();
      state_.avail_out = static_cast<uint32_t>(out_.size());
      int rc = isal_inflate(&state_);
      if (rc < 0)
        return fail("gzip: invalid compressed data (igzip error " + std::to_string(rc) + ")");
      std::size_t produced = out_.size() - state_.avail_out;
      if (produced) {
        ASUP_TRY(sink({reinterpret_cast<char*>(out_.data()), produced}));
      }
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        member_done_ = true;
        return input.size() - state_.avail_in;
      }
      if (state_.avail_in == 0 && produced == 0) return input.size();
    }
  }

  inflate_state state_{};
  std::vector<uint8_t> out_;
  bool member_done_ = false;
  std::string magic_;
};

class ZstdDecoder final : public StreamDecoder {
 public:
  ZstdDecoder() : ctx_(ZSTD_createDCtx()), out_(ZSTD_DStreamOutSize()) {}
  ~ZstdDecoder() override { ZSTD_freeDCtx(ctx_); }

  Status feed(std::string_view input, const Sink& sink) override {
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    while (in.pos < in.size || pending_output_) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t rc = ZSTD_decompressStream(ctx_, &out, &in);
      if (ZSTD_isError(rc)) return fail(std::string("zstd: ") + ZSTD_getErrorName(rc));
      frame_done_ = rc == 0;
      // A full output buffer may mean more is waiting inside the decoder.
      pending_output_ = out.pos == out.size;
      if (out.pos) {
        ASUP_TRY(sink({out_.data(), out.pos}));
      }
      if (!pending_output_ && in.pos == in.size) break;
    }
    return ok();
  }

  Status finish() override {
    if (!frame_done_) return fail("zstd: unexpected end of the compressed stream");
    return ok();
  }

 private:
  ZSTD_DCtx* ctx_;
  std::vector<char> out_;
  bool frame_done_ = false;
  bool pending_output_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_decoder(std::string_view head) {
  if (is_gzip(head)) return std::make_unique<GzipDecoder>();
  if (is_zstd(head)) return std::make_unique<ZstdDecoder>();
  return std::make_unique<PlainDecoder>();
}

}  // namespace asup::image
