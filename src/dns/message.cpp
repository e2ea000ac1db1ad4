#include "dns/message.hpp"

namespace asup::dns {
namespace {

constexpr std::size_t kMaxNameLength = 255;  // wire form, RFC 1035 2.3.4
constexpr std::size_t kMaxLabelLength = 63;

std::uint16_t read16(std::span<const std::uint8_t> m, std::size_t at) {
  return static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

void put_header(std::vector<std::uint8_t>& out, const Header& query, Rcode rcode, bool aa, bool tc,
                std::uint16_t questions, std::uint16_t answers) {
  put16(out, query.id);
  std::uint8_t flags1 = 0x80 | static_cast<std::uint8_t>((query.opcode & 0x0f) << 3);
  if (aa) flags1 |= 0x04;
  if (tc) flags1 |= 0x02;
  if (query.recursion_desired) flags1 |= 0x01;
  out.push_back(flags1);
  out.push_back(static_cast<std::uint8_t>(0x80 | (static_cast<std::uint8_t>(rcode) & 0x0f)));
  put16(out, questions);
  put16(out, answers);
  put16(out, 0);
  put16(out, 0);
}

// The answer's owner is the question's name, always at offset 12 (RFC 1035 4.1.4).
constexpr std::uint16_t kQuestionNamePointer = 0xc000 | kHeaderSize;

void put_record(std::vector<std::uint8_t>& out, std::uint16_t type,
                std::span<const std::uint8_t> data) {
  put16(out, kQuestionNamePointer);
  put16(out, type);
  put16(out, rr::kClassIn);
  put32(out, kAnswerTtl);
  put16(out, static_cast<std::uint16_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
}

}  // namespace

std::optional<Header> read_header(std::span<const std::uint8_t> m) {
  if (m.size() < kHeaderSize) return std::nullopt;
  Header h;
  h.id = read16(m, 0);
  h.response = (m[2] & 0x80) != 0;
  h.opcode = (m[2] >> 3) & 0x0f;
  h.recursion_desired = (m[2] & 0x01) != 0;
  h.questions = read16(m, 4);
  h.answers = read16(m, 6);
  h.authorities = read16(m, 8);
  h.additionals = read16(m, 10);
  return h;
}

Result<std::string> read_name(std::span<const std::uint8_t> m, std::size_t& offset,
                              bool lower_case) {
  std::string name;
  std::size_t wire_length = 1;  // the root label
  std::size_t at = offset;
  std::size_t jump_limit = at;  // a pointer must go strictly before every earlier one
  bool jumped = false;
  while (true) {
    if (at >= m.size()) return fail("name runs past the end of the message");
    std::uint8_t len = m[at];
    if ((len & 0xc0) == 0xc0) {
      if (at + 1 >= m.size()) return fail("name pointer runs past the end of the message");
      std::size_t target = static_cast<std::size_t>(read16(m, at) & 0x3fff);
      if (target >= jump_limit) return fail("name pointer does not point backwards");
      if (!jumped) offset = at + 2;
      jumped = true;
      jump_limit = target;
      at = target;
      continue;
    }
    if ((len & 0xc0) != 0) return fail("unsupported label type in name");
    if (len == 0) {
      if (!jumped) offset = at + 1;
      return name;
    }
    if (len > kMaxLabelLength) return fail("label longer than 63 bytes");
    wire_length += 1 + len;
    if (wire_length > kMaxNameLength) return fail("name longer than 255 bytes");
    if (at + 1 + len > m.size()) return fail("label runs past the end of the message");
    if (!name.empty()) name.push_back('.');
    for (std::size_t i = at + 1; i < at + 1 + len; ++i) {
      char c = static_cast<char>(m[i]);
      if (c == '.' || c == '\0') return fail("label holds a dot or a NUL byte");
      name.push_back(lower_case ? lower(c) : c);
    }
    at += 1 + len;
  }
}

Result<Question> read_question(std::span<const std::uint8_t> m) {
  auto header = read_header(m);
  if (!header) return fail("message shorter than a DNS header");
  if (header->questions != 1) return fail("query does not hold exactly one question");
  std::size_t offset = kHeaderSize;
  Question q;
  ASUP_TRY(q.spelled, read_name(m, offset, false));
  q.name = q.spelled;
  for (char& c : q.name) c = lower(c);
  if (offset + 4 > m.size()) return fail("question runs past the end of the message");
  q.type = read16(m, offset);
  q.klass = read16(m, offset + 2);
  return q;
}

Result<std::vector<std::uint8_t>> encode_name(std::string_view dotted) {
  if (!dotted.empty() && dotted.back() == '.') dotted.remove_suffix(1);
  std::vector<std::uint8_t> out;
  while (!dotted.empty()) {
    auto dot = dotted.find('.');
    auto label = dotted.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabelLength)
      return fail("bad label in name " + std::string(dotted));
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  out.push_back(0);
  if (out.size() > kMaxNameLength) return fail("name longer than 255 bytes");
  return out;
}

std::vector<std::uint8_t> encode_reply(const Header& query, const Question* question,
                                       const Reply& reply, std::size_t limit) {
  std::vector<std::uint8_t> name;
  if (question) {
    auto wire = encode_name(question->spelled);
    if (!wire) return encode_error(query, Rcode::kFormErr);
    name = std::move(wire.value());
  }
  std::vector<std::vector<std::uint8_t>> records;
  std::uint16_t record_type = rr::kA;
  if (question && !reply.pointer.empty()) {
    auto target = encode_name(reply.pointer);
    if (!target) return encode_error(query, Rcode::kServFail);
    records.push_back(std::move(target.value()));
    record_type = rr::kPtr;
  } else if (question) {
    for (std::uint32_t a : reply.addresses) {
      records.push_back({static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                         static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)});
    }
  }
  std::size_t size = kHeaderSize + (question ? name.size() + 4 : 0);
  std::size_t fitting = 0;
  for (const auto& data : records) {
    if (size + 12 + data.size() > limit) break;
    size += 12 + data.size();
    ++fitting;
  }
  std::vector<std::uint8_t> out;
  out.reserve(size);
  put_header(out, query, reply.rcode, reply.authoritative, fitting < records.size(),
             question ? 1 : 0, static_cast<std::uint16_t>(fitting));
  if (question) {
    out.insert(out.end(), name.begin(), name.end());
    put16(out, question->type);
    put16(out, question->klass);
  }
  for (std::size_t i = 0; i < fitting; ++i) put_record(out, record_type, records[i]);
  return out;
}

std::vector<std::uint8_t> encode_error(const Header& query, Rcode rcode) {
  std::vector<std::uint8_t> out;
  put_header(out, query, rcode, false, false, 0, 0);
  return out;
}

void set_id(std::span<std::uint8_t> message, std::uint16_t id) {
  if (message.size() < 2) return;
  message[0] = static_cast<std::uint8_t>(id >> 8);
  message[1] = static_cast<std::uint8_t>(id);
}

}  // namespace asup::dns
