// Constants of the control protocol shared by asupd and asupctl (docs/protocol.md).
#pragma once

#include <cstddef>

namespace asup::protocol {

inline constexpr int kVersion = 1;
inline constexpr const char* kServerFifo = "asupd.fifo";
inline constexpr const char* kClientsDir = "clients";
inline constexpr const char* kLockFile = "asupd.lock";
// A hello must fit in one atomic FIFO write so concurrent clients never interleave.
inline constexpr std::size_t kMaxHelloBytes = 4096;
// Requests carry argv, env and volume lists: generous, but bounded.
inline constexpr std::size_t kMaxRequestBytes = 1 << 20;
// A client that does not read its replies may hold this much queued output before the
// daemon starts skipping output frames for it (it is told how much it missed).
inline constexpr std::size_t kMaxQueuedOutputBytes = 8 << 20;
// Replies (JSON lines, not output) a client may leave unread: one more reply past this,
// while others wait, cuts the client off. A single reply of any size is always queued.
inline constexpr std::size_t kMaxQueuedReplyBytes = 4 << 20;
// While this much of replies waits, the daemon reads no further requests from the client.
inline constexpr std::size_t kPauseReadingBytes = 256 << 10;
// A client whose requests wait unread behind its unread replies, and that reads nothing
// for this long, is cut off.
inline constexpr int kStallTimeoutMs = 5000;
// The error that tells a client why it was cut off.
inline constexpr const char* kCutOffMessage = "asupd: client stopped reading its replies";

// Exit codes of the engine itself, as Docker uses them.
inline constexpr int kExitEngineError = 125;
inline constexpr int kExitCannotInvoke = 126;
inline constexpr int kExitNotFound = 127;

}  // namespace asup::protocol
