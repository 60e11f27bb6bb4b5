#pragma once
#include <cstdint>
#include <string>

namespace awmg::results {

// The jq worker: `awmg __jq-worker`, a child of the gateway that runs response filters, so a filter that
// loops costs a killed process, not a gateway thread (libjq cannot be interrupted). It reads requests from
// stdin and answers on stdout, one at a time, until stdin closes:
//   request:  u32 filter length, filter, u32 input length, input JSON          (lengths little-endian)
//   answer:   u8 status (0: result, 1: error), u32 length, the compact JSON result or the error text
// Compiled filters are kept for the worker's life.
int run_jq_worker();

// Frames of that protocol.
std::string jq_request(const std::string& filter, const std::string& input);
inline constexpr uint32_t kMaxJqFrame = 64u << 20;

}  // namespace awmg::results
